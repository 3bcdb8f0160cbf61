import django_filters

from coordination.org.models import Department, DepartmentKind, User


class DepartmentFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=DepartmentKind.choices)

    class Meta:
        model = Department
        fields = ["kind", "is_active"]


class UserFilter(django_filters.FilterSet):
    department = django_filters.NumberFilter(field_name="memberships__department",
                                             distinct=True)
    role = django_filters.CharFilter(field_name="memberships__role", distinct=True)
    q = django_filters.CharFilter(method="search")

    class Meta:
        model = User
        fields = ["department", "role", "is_active"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(full_name__icontains=value) | Q(username__icontains=value))

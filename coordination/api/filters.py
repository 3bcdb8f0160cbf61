import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from coordination.org.models import Department, DepartmentKind, Membership, User

# No time zone is further than this from UTC; PostgreSQL refuses offsets beyond it, which
# Python accepts up to ±23:59.
MAX_UTC_OFFSET = datetime.timedelta(hours=15, minutes=59)


def utc_offset_problem(value: datetime.datetime) -> str | None:
    """Why an aware date-time's offset cannot be a real one, or None."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return _("The time zone offset must be between -15:59 and +15:59.")
    return None


class _UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, turned into UTC; an offset no time zone has, or a date pushed
    past year 1 or 9999 by its offset, is a field error, not a crash in the database."""

    default_error_messages = {
        "out_of_range": _("This date and time is out of range."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        problem = utc_offset_problem(value)
        if problem is not None:
            raise forms.ValidationError(problem, code="invalid_offset")
        try:
            return value.astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(self.error_messages["out_of_range"],
                                        code="out_of_range") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """`IsoDateTimeFilter` safe for any offset (see `_UtcIsoDateTimeField`)."""

    field_class = _UtcIsoDateTimeField


class IdFilter(django_filters.Filter):
    """A filter by a related object's id, as a plain integer: an id that names nothing, however
    large, matches nothing (an empty list, not a 400 or a database overflow), and filtering
    costs no query to look the object up."""

    field_class = forms.IntegerField
    MAX_ID = 2**63 - 1

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        if not 0 < value <= self.MAX_ID:
            return qs.none()
        return super().filter(qs, value)


class DepartmentFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=DepartmentKind.choices)

    class Meta:
        model = Department
        fields = ["kind", "is_active"]


class UserFilter(django_filters.FilterSet):
    department = IdFilter(field_name="memberships__department", distinct=True)
    role = django_filters.CharFilter(field_name="memberships__role", distinct=True)
    q = django_filters.CharFilter(method="search")

    class Meta:
        model = User
        fields = ["department", "role", "is_active"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(full_name__icontains=value) | Q(username__icontains=value))


class MembershipFilter(django_filters.FilterSet):
    # Plain ids: an unknown id matches nothing (an empty list), it is not a bad request.
    user = IdFilter(field_name="user_id", label=_("user ID"))
    department = IdFilter(field_name="department_id",
                                             label=_("department ID"))
    team = IdFilter(field_name="team_id", label=_("team ID"))

    class Meta:
        model = Membership
        fields = ["user", "department", "team", "role", "is_adjudicator", "is_inspector"]

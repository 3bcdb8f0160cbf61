import datetime

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

from coordination.core.org.models import Department, DepartmentKind, Membership, User

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


class _StrictIntegerField(forms.IntegerField):
    """Digits only (with a sign): "1.0" or "1e3" is not an id, although Django's field would
    read them as 1 and 1000."""

    def to_python(self, value):
        if isinstance(value, str):
            stripped = value.strip()
            digits = stripped[1:] if stripped[:1] in "+-" else stripped
            if stripped and not (digits.isascii() and digits.isdigit()):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class _StrictBooleanField(forms.Field):
    """`true` or `false`, as the schema says; anything else is an error, not "no filter"."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value == "true":
            return True
        if value == "false":
            return False
        raise forms.ValidationError(_("Give true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = _StrictBooleanField


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses what the API schema forbids instead of ignoring it: a boolean
    other than true/false, and an empty value for a parameter that is not free text (an empty
    `created_after=` or `status=` is an error; leave the parameter out to not filter)."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }

    def is_valid(self):
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if isinstance(filter_, django_filters.CharFilter) or name not in self.data:
                continue
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [
                self.data[name]]
            if any(value.strip() == "" for value in values if isinstance(value, str)):
                if name not in self.form.errors:
                    self.form.add_error(name, _("Give a value, or leave the parameter out."))
                valid = False
        return valid


class IdFilter(django_filters.Filter):
    """A filter by a related object's id, as a plain integer: an id that names nothing, however
    large, matches nothing (an empty list, not a 400 or a database overflow), and filtering
    costs no query to look the object up."""

    field_class = _StrictIntegerField
    MAX_ID = 2**63 - 1

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        if not 0 < value <= self.MAX_ID:
            return qs.none()
        return super().filter(qs, value)


class DepartmentFilter(StrictFilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=DepartmentKind.choices)

    class Meta:
        model = Department
        fields = ["kind", "is_active"]


class UserFilter(StrictFilterSet):
    department = IdFilter(field_name="memberships__department", distinct=True)
    role = django_filters.CharFilter(field_name="memberships__role", distinct=True)
    q = django_filters.CharFilter(method="search")

    class Meta:
        model = User
        fields = ["department", "role", "is_active"]

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(full_name__icontains=value) | Q(username__icontains=value))


class MembershipFilter(StrictFilterSet):
    # Plain ids: an unknown id matches nothing (an empty list), it is not a bad request.
    user = IdFilter(field_name="user_id", label=_("user ID"))
    department = IdFilter(field_name="department_id",
                                             label=_("department ID"))
    team = IdFilter(field_name="team_id", label=_("team ID"))

    class Meta:
        model = Membership
        fields = ["user", "department", "team", "role", "is_adjudicator", "is_inspector"]


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, building the FilterSets of `filterset_fields` as strict ones."""

    filterset_base = StrictFilterSet

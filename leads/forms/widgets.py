"""Inputs shared by the forms of the leads pages, and the local day a date input names."""

import datetime

from django import forms
from django.utils import timezone

# datetime-local inputs send "2025-03-01T14:30"; the form reads it in the current (the site's)
# time zone and hands the service an aware datetime.
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_LOCAL_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def start_of_day(day: datetime.date) -> datetime.datetime:
    """The aware start of a local day: a date filter's [from, to] becomes
    [start_of_day(from), start_of_day(to + 1 day))."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

"""The scoreboard's period and source filter."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from coordination.core.errors import ApplicationError
from coordination.metrics.funnel import funnel_source_choices
from coordination.metrics.periods import (
    Period,
    last_month,
    period_check,
    this_month,
    this_quarter,
)

PRESETS = {
    "this_month": (_("This month"), this_month),
    "last_month": (_("Last month"), last_month),
    "this_quarter": (_("This quarter"), this_quarter),
}
DEFAULT_PRESET = "this_month"
CUSTOM = "custom"


class ScoreboardFilterForm(forms.Form):
    """A preset period (this month by default), or custom dates, From and To both included;
    and optionally one source."""

    period = forms.ChoiceField(
        required=False, widget=forms.HiddenInput,
        choices=[(key, label) for key, (label, _period) in PRESETS.items()]
        + [(CUSTOM, _("Custom dates"))])
    start = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}),
                          help_text=_("Included."))
    source = forms.TypedChoiceField(label=_("Source"), required=False, coerce=int,
                                    empty_value=None)

    def __init__(self, *args, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        # One query for the choices, which also validate the choice: no second lookup.
        self.fields["source"].choices = [("", _("All sources")), *funnel_source_choices()]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            return cleaned
        if start or end or cleaned.get("period") == CUSTOM:
            if not start:
                self.add_error("start", _("Give the first day of the period."))
            if not end:
                self.add_error("end", _("Give the last day of the period."))
            if start and end:
                if end < start:
                    self.add_error("end", _("The last day must not come before the first."))
                else:
                    try:
                        cleaned["period_value"] = period_check(
                            start=start, end=end + datetime.timedelta(days=1))
                    except ApplicationError as error:
                        self.add_error(error.field, error.message)
                cleaned["period"] = CUSTOM
        else:
            preset = cleaned.get("period") or DEFAULT_PRESET
            cleaned["period"] = preset
            cleaned["period_value"] = PRESETS[preset][1](self.today)
        return cleaned

    def chosen(self) -> tuple[str, Period, int | None]:
        """The preset key (or "custom"), the period and the source id; this month and all
        sources when the form is not valid."""
        if self.is_valid():
            return (self.cleaned_data["period"], self.cleaned_data["period_value"],
                    self.cleaned_data["source"])
        return DEFAULT_PRESET, PRESETS[DEFAULT_PRESET][1](self.today), None

"""Forms of follow-ups: logging one (My leads, the lead page) and searching them. They check
the shape of the input; the services decide the rest."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from leads.forms.widgets import DATETIME_LOCAL_FORMAT, DateInput, DateTimeLocalInput, start_of_day
from leads.models import ContactChannel, Outcome
from leads.selectors import sales_members


class FollowUpForm(forms.Form):
    """Nothing is preselected: a form saved untouched must not pass for a call that reached the
    customer. Every field is required here too, so that an empty form names every missing field
    at once; follow_up_create holds the rules (the notes' minimum length, the next step's
    horizon, the time zone offset) for every caller."""

    channel = forms.ChoiceField(label=_("Channel"),
                                choices=[("", _("Choose a channel")), *ContactChannel.choices])
    outcome = forms.ChoiceField(label=_("Outcome"),
                                choices=[("", _("Choose an outcome")), *Outcome.choices])
    notes = forms.CharField(label=_("Notes"), max_length=5000,
                            help_text=_("What was said: the customer's needs, questions, what "
                                        "was agreed."),
                            widget=forms.Textarea(attrs={"rows": 3}))
    next_step = forms.CharField(label=_("Next step"), max_length=200)
    next_step_at = forms.DateTimeField(
        label=_("Next step date"), widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("In the site's time zone."))


class FollowUpSearchForm(forms.Form):
    rep = forms.ModelChoiceField(label=_("Rep"), required=False, queryset=None,
                                 empty_label=_("All reps"))
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    q = forms.CharField(label=_("Content"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))

    def __init__(self, *args, in_notes: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_notes = in_notes
        self.fields["rep"].queryset = sales_members()
        self.fields["rep"].label_from_instance = lambda user: user.get_full_name()
        self.fields["q"].widget.attrs["placeholder"] = (
            _("Words in the notes or the next step") if in_notes
            else _("Words in the next step"))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data

    def filters(self) -> dict:
        """The selector's keyword arguments: local days turned into aware [since, until).
        Invalid filters are left out (and shown as errors by the page)."""
        self.is_valid()
        data = self.cleaned_data
        rep = data.get("rep")
        start, end = data.get("date_from"), data.get("date_to")
        return {
            "rep_id": rep.pk if rep else None,
            "since": start_of_day(start) if start else None,
            "until": start_of_day(end + datetime.timedelta(days=1)) if end else None,
            "text": (data.get("q") or "").strip(),
            "in_notes": self.in_notes,
        }

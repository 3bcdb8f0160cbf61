"""The inspector's form: scoring a follow-up on the scorecard. It checks the shape of the input;
leads/services/inspection.py decides the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from leads.models import AnswerType


class InspectionForm(forms.Form):
    """A field per criterion of the scorecard, named criterion_<id> as the service names its
    errors: a score in its range as a number, yes or no as two radio buttons, a choice as a
    select. The range is the service's to check, so its message is the one shown."""

    findings = forms.CharField(label=_("Findings"), required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 4}))
    not_genuine = forms.BooleanField(
        label=_("Not genuine: no real contact behind this follow-up"), required=False,
        help_text=_("Warning: the follow-up stops counting. A lead with no other genuine "
                    "follow-up counts as not contacted: its first-contact clock is missed at "
                    "once and the lead may be taken back from the rep."))

    def __init__(self, *args, criteria: list, **kwargs):
        kwargs.setdefault("auto_id", "inspection-%s")
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        fields = {}
        for criterion in criteria:
            fields[self.field_name(criterion)] = self._field_for(criterion)
        # Criteria first, then the findings and the flag.
        self.fields = {**fields, **self.fields}

    @staticmethod
    def field_name(criterion) -> str:
        return f"criterion_{criterion.pk}"

    @staticmethod
    def _field_for(criterion) -> forms.Field:
        if criterion.answer_type == AnswerType.SCORE:
            return forms.IntegerField(
                label=criterion.label,
                help_text=_("From %(low)d to %(high)d.") % {"low": criterion.min_score,
                                                           "high": criterion.max_score},
                widget=forms.NumberInput(attrs={"min": criterion.min_score,
                                                "max": criterion.max_score, "step": 1}))
        if criterion.answer_type == AnswerType.YES_NO:
            return forms.ChoiceField(label=criterion.label, widget=forms.RadioSelect,
                                     choices=[("yes", _("Yes")), ("no", _("No"))])
        options = [(str(option["label"]), str(option["label"]))
                   for option in criterion.choices or []]
        return forms.ChoiceField(label=criterion.label,
                                 choices=[("", _("Choose")), *options])

    def answers(self) -> dict:
        """The service's answers: {criterion id: value}."""
        return {criterion.pk: self.cleaned_data[self.field_name(criterion)]
                for criterion in self.criteria}

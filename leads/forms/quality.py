"""Forms of disputes on a lead's quality: opening one (with evidence files), ruling, correcting
a ruling. They check the shape of the input; leads/services/quality.py decides the rest."""

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from coordination.core.errors import ApplicationError
from leads.forms.widgets import MultipleFileInput
from leads.models import DisputeGround, FollowUp, Verdict

# The rules of evidence files (allowlist, sniffing, size, count) live in the evidence service,
# shared with the API.
from leads.services.evidence import (
    EVIDENCE_ACCEPT,
    evidence_count_validate,
    evidence_file_validate,
)


def validate_evidence_file(file) -> None:
    """evidence_file_validate, as a form error."""
    try:
        evidence_file_validate(file)
    except ApplicationError as error:
        raise forms.ValidationError(error.message, code=error.code) from None


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def follow_up_label(follow_up: FollowUp) -> str:
    when = formats.date_format(timezone.localtime(follow_up.created_at),
                               "SHORT_DATETIME_FORMAT")
    return f"{when} · {follow_up.get_channel_display()} · {follow_up.get_outcome_display()}"


class DisputeForm(forms.Form):
    """A dispute on a lead's quality, from the lead page. The lead's follow-ups come in from
    the page (it has them already for its timeline), so the form costs no query to show."""

    ground = forms.ChoiceField(
        label=_("Grounds"), choices=[("", _("Choose the grounds")), *DisputeGround.choices])
    evidence = forms.CharField(
        label=_("Evidence"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you found: calls made, what the customer said, where the data is "
                    "wrong."))
    follow_ups = forms.MultipleChoiceField(
        label=_("Linked follow-ups"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("The follow-ups that show it."))
    files = MultipleFileField(
        label=_("Evidence files"), required=False,
        help_text=_("Screenshots, call recordings or PDFs; at most 5 MB each."))

    def __init__(self, *args, follow_ups: list[FollowUp], **kwargs):
        kwargs.setdefault("auto_id", "dispute-%s")
        super().__init__(*args, **kwargs)
        self._follow_ups = {str(follow_up.pk): follow_up for follow_up in follow_ups}
        self.fields["follow_ups"].choices = [(key, follow_up_label(follow_up))
                                             for key, follow_up in self._follow_ups.items()]
        if not follow_ups:
            del self.fields["follow_ups"]

    def clean_follow_ups(self) -> list[FollowUp]:
        return [self._follow_ups[key] for key in self.cleaned_data["follow_ups"]]

    def clean_files(self) -> list:
        files = self.cleaned_data["files"]
        try:
            evidence_count_validate(len(files))
        except ApplicationError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        # Every file checked by the evidence service before the view opens the dispute, each
        # refusal named.
        errors = []
        for file in files:
            try:
                validate_evidence_file(file)
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            raise forms.ValidationError(errors)
        return files


_REASON_CHOICES = [("", _("No reason (valid lead)")), *DisputeGround.choices]


class RulingForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices,
                                widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=_("Reason"), required=False, choices=_REASON_CHOICES,
                               help_text=_("Required when the lead is invalid."))
    note = forms.CharField(label=_("Note"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "ruling-%s")
        super().__init__(*args, **kwargs)


class CorrectionForm(RulingForm):
    """A quality head's correction: a new ruling that supersedes the current one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "correction-%s")
        super().__init__(*args, **kwargs)
        self.fields["verdict"].label = _("Corrected verdict")
        self.fields["note"].label = _("Why the ruling is corrected")

"""Forms of the lead lists and the lead page's actions (reassign, win, lose). They check the
shape of the input; the services decide the rest."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from leads.forms.widgets import DateInput, start_of_day
from leads.models import OPEN_STATUSES, Campaign, LeadStatus, LostReason, Source
from leads.selectors import sales_members


class MyLeadsFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("All open"))] + [(status.value, status.label) for status in OPEN_STATUSES])
    source = forms.ModelChoiceField(label=_("Source"), required=False,
                                    queryset=Source.objects.order_by("name"),
                                    empty_label=_("All sources"))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={
                            "type": "search",
                            "placeholder": _("Name, company, phone, e-mail"),
                        }))

    def filters(self) -> dict:
        """The selector's keyword arguments; an invalid filter is ignored, not an error."""
        self.is_valid()  # cleaned_data then holds the valid filters only
        data = self.cleaned_data
        source = data.get("source")
        return {
            "status": data.get("status") or "",
            "source_id": source.pk if source else None,
            "overdue_only": bool(data.get("overdue")),
            "text": (data.get("q") or "").strip(),
        }


class AllLeadsFilterForm(forms.Form):
    """The filters of the All leads page: the My leads filters over every status, and more."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={
                            "type": "search",
                            "placeholder": _("Name, company, phone, e-mail"),
                        }))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *LeadStatus.choices])
    source = forms.ModelChoiceField(label=_("Source"), required=False,
                                    queryset=Source.objects.order_by("name"),
                                    empty_label=_("All sources"))
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), required=False,
        # Its label names the source: campaigns of different sources may share a name.
        queryset=Campaign.objects.select_related("source").order_by("source__name", "name"),
        empty_label=_("All campaigns"))
    owner = forms.ModelChoiceField(label=_("Owner"), required=False, queryset=None,
                                   empty_label=_("All owners"))
    region = forms.CharField(label=_("Region"), required=False, max_length=100)
    date_from = forms.DateField(label=_("Created from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Created to"), required=False, widget=DateInput())
    order = forms.ChoiceField(label=_("Sort by"), required=False,
                              choices=[("newest", _("Newest first")),
                                       ("deadline", _("Deadline soonest"))])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    unassigned = forms.BooleanField(label=_("Unassigned only"), required=False)
    in_pool = forms.BooleanField(label=_("In a lead pool only"), required=False)

    # The filters that narrow the list (the sort order does not).
    FILTER_NAMES = ("q", "status", "source", "campaign", "owner", "region", "date_from",
                    "date_to", "overdue", "unassigned", "in_pool")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = sales_members()
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name()

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data

    def filters(self) -> dict:
        """The selector's keyword arguments; an invalid filter is ignored (and shown as an
        error by the page)."""
        self.is_valid()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        return {
            "status": data.get("status") or "",
            "source_id": data["source"].pk if data.get("source") else None,
            "campaign_id": data["campaign"].pk if data.get("campaign") else None,
            "owner_id": data["owner"].pk if data.get("owner") else None,
            "region": (data.get("region") or "").strip(),
            "overdue_only": bool(data.get("overdue")),
            "created_since": start_of_day(start) if start else None,
            "created_until": start_of_day(end + datetime.timedelta(days=1)) if end else None,
            "unassigned_only": bool(data.get("unassigned")),
            "in_pool_only": bool(data.get("in_pool")),
            "text": (data.get("q") or "").strip(),
            "order": data.get("order") or "newest",
        }


class ReassignForm(forms.Form):
    to_user = forms.ModelChoiceField(label=_("New owner"), queryset=None,
                                     empty_label=_("Choose a rep"))
    note = forms.CharField(label=_("Reason"), max_length=300,
                           widget=forms.TextInput(attrs={
                               "placeholder": _("Why is the lead reassigned?")}))

    def __init__(self, *args, exclude_user_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = sales_members(exclude_user_id=exclude_user_id)
        self.fields["to_user"].label_from_instance = lambda user: user.get_full_name()


class WinForm(forms.Form):
    value = forms.DecimalField(label=_("Deal value (CNY)"), min_value=0, max_digits=14,
                               decimal_places=2)


class LoseForm(forms.Form):
    reason = forms.ModelChoiceField(label=_("Reason"), queryset=LostReason.objects.all(),
                                    empty_label=_("Choose a reason"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

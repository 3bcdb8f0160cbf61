"""Filters of the leads API (django-filter), applied on top of the selectors' visibility."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coordination.core.api.filters import (
    IdFilter,
    StrictBooleanFilter,
    StrictFilterSet,
    UtcIsoDateTimeFilter,
)
from coordination.core.errors import ApplicationError
from leads.models import (
    AssignmentRule,
    Campaign,
    Dispute,
    DisputeGround,
    DisputeSide,
    DisputeStatus,
    FollowUp,
    Inspection,
    InspectionStatus,
    Lead,
    LeadStatus,
)
from leads.permissions import dispute_read_rule


class LeadFilter(StrictFilterSet):
    # Plain ids, not ModelChoiceFilter: an unknown id simply matches nothing, and filtering
    # costs no query to look the object up.
    status = django_filters.MultipleChoiceFilter(choices=LeadStatus.choices)
    source = IdFilter(field_name="source_id", label=_("source ID"))
    campaign = IdFilter(field_name="campaign_id", label=_("campaign ID"))
    owner = IdFilter(field_name="owner_id", label=_("owner ID"))
    region = django_filters.CharFilter()
    product_interest = django_filters.CharFilter()
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte",
                                                     label=_("created at or after"))
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt",
                                                      label=_("created before"))
    overdue = StrictBooleanFilter(method="filter_overdue",
                                           label=_("past the deadline that runs now"))
    q = django_filters.CharFilter(method="search", label=_("name, company or phone contains"))

    class Meta:
        model = Lead
        fields = ["status", "source", "campaign", "owner", "region", "product_interest"]

    def filter_overdue(self, queryset, name, value):
        # `deadline` is annotated by the selector (lead_list_for).
        now = timezone.now()
        if value:
            return queryset.filter(deadline__lte=now)
        # Spelled out: excluding `deadline <= now` would drop the leads without a deadline.
        return queryset.filter(Q(deadline__isnull=True) | Q(deadline__gt=now))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        match = Q(name__icontains=value) | Q(company__icontains=value)
        # Phones are stored as +86…: match the digits, so "138 0013 8000" finds them too.
        digits = "".join(character for character in value if character.isdigit())
        if digits:
            match |= Q(phone__contains=digits)
        return queryset.filter(match)


class PoolLeadFilter(StrictFilterSet):
    pool = IdFilter(field_name="pool_id", label=_("lead pool ID"))
    source = IdFilter(field_name="source_id", label=_("source ID"))
    region = django_filters.CharFilter()
    product_interest = django_filters.CharFilter()

    class Meta:
        model = Lead
        fields = ["pool", "source", "region", "product_interest"]


class CampaignFilter(StrictFilterSet):
    source = IdFilter(field_name="source_id", label=_("source ID"))

    class Meta:
        model = Campaign
        fields = ["source"]


class FollowUpFilter(StrictFilterSet):
    class Meta:
        model = FollowUp
        fields = ["channel", "outcome"]


class AssignmentRuleFilter(StrictFilterSet):
    team = IdFilter(field_name="team_id", label=_("team ID"))

    class Meta:
        model = AssignmentRule
        fields = ["is_active", "strategy", "team"]


# Lead quality ------------------------------------------------------------------------------------


class DisputeFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=DisputeStatus.choices)
    side = django_filters.ChoiceFilter(
        choices=DisputeSide.choices, method="filter_side",
        label=_("opened by side (refused under blind review)"))
    ground = django_filters.ChoiceFilter(choices=DisputeGround.choices)
    lead = IdFilter(field_name="lead_id", label=_("lead ID"))
    overdue = StrictBooleanFilter(
        method="filter_overdue", label=_("open and past the ruling deadline"))

    class Meta:
        model = Dispute
        fields = ["status", "side", "ground", "lead"]

    def filter_side(self, queryset, name, value):
        # Filtering on what blind review hides would reveal it.
        if dispute_read_rule(self.request).blind:
            raise ApplicationError(
                gettext("Under blind review disputes cannot be filtered by side."),
                code="blind_review", field="side")
        return queryset.filter(side=value)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status=DisputeStatus.OPEN, due_at__lte=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class InspectionFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=InspectionStatus.choices)
    rep = IdFilter(field_name="follow_up__author_id", label=_("rep ID"))
    drawn_from = django_filters.DateFilter(field_name="drawn_on", lookup_expr="gte",
                                           label=_("drawn on or after"))
    drawn_until = django_filters.DateFilter(field_name="drawn_on", lookup_expr="lte",
                                            label=_("drawn on or before"))
    passed = StrictBooleanFilter()

    class Meta:
        model = Inspection
        fields = ["status", "rep", "passed"]

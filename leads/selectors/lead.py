"""Reading leads: the lists (mine, all, the default queue), a lead's timeline and duplicates,
the lead settings."""

import datetime
import operator
from functools import reduce

from django.db.models import Case, F, Q, QuerySet, When

from coordination.core.request_cache import cached
from leads.models import (
    DEADLINE_CLOCKS,
    OPEN_STATUSES,
    Assignment,
    FollowUp,
    Lead,
    LeadSettings,
)
from leads.permissions import lead_visibility_filter


def lead_settings() -> LeadSettings:
    """The one settings row, read once per request or task (saving it forgets the copy)."""
    return cached(LeadSettings.CACHE_KEY,
                  lambda: LeadSettings.objects.get_or_create(pk=1)[0])


def deadline_expression() -> Case:
    """A lead's current deadline in SQL: the deadline of the clock that runs now
    (DEADLINE_CLOCKS, as `Lead.current_deadline` reads them); NULL when none runs."""
    return Case(*(When(clock.runs(), then=F(clock.field)) for clock in DEADLINE_CLOCKS),
                default=None)


def overdue_filter(now: datetime.datetime, prefix: str = "") -> Q:
    """Leads whose current deadline has passed at `now` (`Lead.is_overdue(now)` in SQL), as a
    filter on Lead, or through `prefix` on a model that leads to leads."""
    return reduce(operator.or_, (clock.runs(prefix) & Q(**{f"{prefix}{clock.field}__lte": now})
                                 for clock in DEADLINE_CLOCKS))


def lead_list_for(*, user) -> QuerySet[Lead]:
    """Leads `user` may see, with what list pages and the API show, deadline soonest first."""
    queryset = Lead.objects.select_related("source", "campaign", "owner", "pool")
    visible = lead_visibility_filter(user)
    if visible is not None:
        queryset = queryset.filter(visible)
    return queryset.annotate(deadline=deadline_expression())


def my_leads(*, user) -> QuerySet[Lead]:
    """A rep's open leads, the most urgent first (no deadline last)."""
    return (
        Lead.objects.filter(owner=user, status__in=OPEN_STATUSES)
        .select_related("source", "campaign")
        .annotate(deadline=deadline_expression())
        .order_by(F("deadline").asc(nulls_last=True), "-created_at")
    )


def lead_text_filter(text: str) -> Q:
    """A lead whose name, company, e-mail or WeChat ID contains `text`, or whose phone contains
    its digits (so "138 0013" finds +8613800138000)."""
    match = (Q(name__icontains=text) | Q(company__icontains=text) | Q(email__icontains=text)
             | Q(wechat_id__icontains=text))
    digits = "".join(character for character in text if character.isdigit())
    if digits:
        match |= Q(phone__contains=digits)
    return match


def my_leads_filtered(*, user, now: datetime.datetime, status: str = "",
                      source_id: int | None = None, overdue_only: bool = False,
                      text: str = "") -> QuerySet[Lead]:
    """`my_leads` narrowed by the filters of the My leads page, still the most urgent first."""
    queryset = my_leads(user=user)
    if status:
        queryset = queryset.filter(status=status)
    if source_id:
        queryset = queryset.filter(source_id=source_id)
    if overdue_only:
        queryset = queryset.filter(deadline__lte=now)
    if text:
        queryset = queryset.filter(lead_text_filter(text))
    return queryset


def lead_timeline(*, lead: Lead) -> list[dict]:
    """Everything that happened to a lead, newest first: its intake (the lead itself, with
    `created_by` loaded by the caller), every change of owner and every follow-up.

    Two queries however long the history. Each entry is {"at", "kind", "item"} with kind
    "intake", "assignment" or "follow_up"; at equal times intake comes before an assignment,
    which comes before a follow-up.
    """
    entries = [{"at": lead.created_at, "kind": "intake", "item": lead, "_order": (0, 0)}]
    for assignment in Assignment.objects.filter(lead=lead).select_related(
        "to_user", "from_user", "rule", "actor"
    ):
        entries.append({"at": assignment.created_at, "kind": "assignment", "item": assignment,
                        "_order": (1, assignment.pk)})
    for follow_up in FollowUp.objects.filter(lead=lead).select_related("author"):
        entries.append({"at": follow_up.created_at, "kind": "follow_up", "item": follow_up,
                        "_order": (2, follow_up.pk)})
    entries.sort(key=lambda entry: (entry["at"], entry["_order"]), reverse=True)
    for entry in entries:
        del entry["_order"]
    return entries


def lead_duplicates_for(*, lead: Lead, user) -> tuple[Lead | None, list[Lead]]:
    """The original of a duplicate lead and the other duplicates of that original (or, for an
    original, its duplicates), as far as `user` may see them. One query."""
    root_id = lead.duplicate_of_id or lead.pk
    queryset = Lead.objects.filter(Q(pk=root_id) | Q(duplicate_of_id=root_id)).exclude(pk=lead.pk)
    visible = lead_visibility_filter(user)
    if visible is not None:
        queryset = queryset.filter(visible)
    original = None
    duplicates = []
    for other in queryset.select_related("owner").order_by("created_at", "id"):
        if other.pk == lead.duplicate_of_id:
            original = other
        else:
            duplicates.append(other)
    return original, duplicates


def default_queue_for(*, user, limit: int = 50) -> list[Lead]:
    """Leads no rule could place (no owner, not in a pool, still new), for the heads who are
    responsible for them: the oldest first."""
    from leads.permissions import sees_all_leads

    if not sees_all_leads(user):
        return []
    return list(
        Lead.objects.filter(owner__isnull=True, pool__isnull=True, status="new")
        .select_related("source", "campaign").order_by("created_at", "id")[:limit]
    )


ALL_LEADS_ORDERINGS = ("newest", "deadline")


def lead_list_filtered(*, user, now: datetime.datetime, status: str = "",
                       source_id: int | None = None, campaign_id: int | None = None,
                       owner_id: int | None = None, region: str = "",
                       overdue_only: bool = False,
                       created_since: datetime.datetime | None = None,
                       created_until: datetime.datetime | None = None,
                       unassigned_only: bool = False, in_pool_only: bool = False,
                       text: str = "", order: str = "newest") -> QuerySet[Lead]:
    """`lead_list_for` narrowed by the filters of the All leads page: created in
    [created_since, created_until); "unassigned" is the default queue (no owner, not in a
    pool). Ordered newest first, or by `order="deadline"` the soonest deadline first (leads
    without a running clock last)."""
    queryset = lead_list_for(user=user)
    if status:
        queryset = queryset.filter(status=status)
    if source_id:
        queryset = queryset.filter(source_id=source_id)
    if campaign_id:
        queryset = queryset.filter(campaign_id=campaign_id)
    if owner_id:
        queryset = queryset.filter(owner_id=owner_id)
    if region:
        queryset = queryset.filter(region__icontains=region)
    if overdue_only:
        queryset = queryset.filter(deadline__lte=now)
    if created_since is not None:
        queryset = queryset.filter(created_at__gte=created_since)
    if created_until is not None:
        queryset = queryset.filter(created_at__lt=created_until)
    if unassigned_only:
        queryset = queryset.filter(owner__isnull=True, pool__isnull=True)
    if in_pool_only:
        queryset = queryset.filter(pool__isnull=False)
    if text:
        queryset = queryset.filter(lead_text_filter(text))
    if order == "deadline":
        return queryset.order_by(F("deadline").asc(nulls_last=True), "-created_at", "-id")
    return queryset.order_by("-created_at", "-id")

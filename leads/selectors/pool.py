"""The lead pool: its leads, the pools a rep may claim from and what the limits measure."""

import datetime

from django.db.models import Count, Q, QuerySet

from coordination.core.org.calendar import start_of_local_day
from coordination.core.org.models import User
from leads.models import OPEN_STATUSES, Assignment, AssignmentReason, Lead


def pool_leads_for(*, user) -> QuerySet[Lead]:
    """Leads waiting in the pools `user` may claim from, the most recently pooled first."""
    from leads.permissions import pool_filter

    return (
        Lead.objects.filter(pool_filter(user))
        .select_related("pool", "source", "campaign")
        .order_by("-pooled_at", "-id")
    )


def pools_claimable_by(*, user) -> list:
    """The pools `user` may claim from, with their limits and how many leads wait in each.
    One query (pools are few; the permission rule decides per pool)."""
    from leads.models import LeadPool
    from leads.permissions import can_claim_from, is_sales

    if not is_sales(user):
        return []
    pools = (LeadPool.objects.select_related("team").annotate(waiting=Count("leads"))
             .order_by("name"))
    return [pool for pool in pools if can_claim_from(user, pool)]


def claim_standing(*, user, now: datetime.datetime) -> dict:
    """What the pool limits are measured against: the leads `user` claimed today and the open
    leads they hold. One query."""
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            claimed_today=Count(
                "lead_assignments",
                filter=Q(lead_assignments__reason=AssignmentReason.CLAIM,
                         lead_assignments__created_at__gte=start_of_local_day(now)),
                distinct=True,
            ),
            holding=Count("owned_leads", filter=Q(owned_leads__status__in=OPEN_STATUSES),
                          distinct=True),
        )
        .values("claimed_today", "holding")
        .first()
    )
    return row or {"claimed_today": 0, "holding": 0}


def lead_was_pooled(*, lead: Lead) -> bool:
    """Has the lead ever been in a lead pool (where any rep of the pool could see it)?"""
    return lead.pool_id is not None or Assignment.objects.filter(
        lead=lead, reason__in=[AssignmentReason.POOL, AssignmentReason.CLAIM]).exists()

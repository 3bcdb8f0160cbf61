"""Who a lead can go to: a rule's reps, the eligible among them, heads to escalate to, earlier
owners, the sales people a lead can be given to."""

import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from coordination.core.org.calendar import start_of_local_day
from coordination.core.org.models import Absence, DepartmentKind, Membership, Role, User
from leads.models import (
    OPEN_STATUSES,
    REASSIGNMENT_REASONS,
    Assignment,
    AssignmentReason,
    AssignmentRule,
    Lead,
)


def reassignment_filter() -> Q:
    """The assignments that are reassignments (REASSIGNMENT_REASONS: the sweep took the lead
    from its rep after a missed deadline), as a filter on Assignment: the team board's
    "reassigned today" counts these, away from each rep."""
    return Q(reason__in=REASSIGNMENT_REASONS)


def reassigned_lead_filter() -> Q:
    """The leads reassigned at least once (`lead_assign` counts the assignments of
    `reassignment_filter` in `reassignment_count`), as a filter on Lead: the metrics'
    reassignment rate counts these."""
    return Q(reassignment_count__gt=0)


def previous_owner_ids(*, lead: Lead) -> set[int]:
    return set(
        Assignment.objects.filter(lead=lead, to_user__isnull=False)
        .values_list("to_user_id", flat=True)
    )


def rule_pool_user_ids(*, rule: AssignmentRule) -> list[int]:
    """The reps of a rule: those named, else the active members and leads of its team."""
    named = list(rule.members.values_list("user_id", flat=True))
    if named:
        return named
    if rule.team_id is None:
        return []
    return list(
        Membership.objects.filter(team_id=rule.team_id, role__in=[Role.MEMBER, Role.LEAD])
        .values_list("user_id", flat=True)
    )


def eligible_reps(*, user_ids, now: datetime.datetime, daily_cap: int | None,
                  with_load: bool = False) -> QuerySet[User]:
    """Of `user_ids`: active, not absent at `now`, under the daily cap. One query.

    Today's rule assignments (for the cap) and the open leads (for the least-loaded strategy,
    when `with_load`) are counted by correlated subqueries over the (to_user, created_at) and
    (owner, status) indexes, so the cost follows the pool's reps, not all leads.
    """
    away = Absence.objects.filter(user=OuterRef("pk"), starts_at__lte=now, ends_at__gt=now)
    queryset = (User.objects.filter(pk__in=list(user_ids), is_active=True)
                .exclude(Exists(away)))
    if daily_cap is not None:
        today = (Assignment.objects.filter(
            to_user=OuterRef("pk"), created_at__gte=start_of_local_day(now),
            reason__in=[AssignmentReason.RULE, AssignmentReason.REASSIGNMENT,
                        AssignmentReason.DUPLICATE])
            .order_by().values("to_user").annotate(n=Count("pk")).values("n"))
        queryset = queryset.annotate(
            assigned_today=Coalesce(Subquery(today, output_field=IntegerField()), 0)
        ).filter(assigned_today__lt=daily_cap)
    if with_load:
        load = (Lead.objects.filter(owner=OuterRef("pk"), status__in=OPEN_STATUSES)
                .order_by().values("owner").annotate(n=Count("pk")).values("n"))
        queryset = queryset.annotate(
            open_leads=Coalesce(Subquery(load, output_field=IntegerField()), 0))
    return queryset


def sales_head_ids(*, team_id: int | None = None) -> list[int]:
    """Heads of the team's department, else heads of every sales department."""
    heads = Membership.objects.filter(role=Role.HEAD, user__is_active=True)
    if team_id is not None:
        from coordination.core.org.models import Team

        department_id = Team.objects.filter(pk=team_id).values_list("department_id",
                                                                      flat=True).first()
        ids = list(heads.filter(department_id=department_id).values_list("user_id", flat=True))
        if ids:
            return ids
    return list(heads.filter(department__kind=DepartmentKind.SALES)
                .values_list("user_id", flat=True).distinct())


def head_ids_of(*, user_id: int) -> list[int]:
    """Team leads and department heads above a rep."""
    memberships = Membership.objects.filter(user_id=user_id)
    return list(
        Membership.objects.filter(
            Q(team_id__in=memberships.exclude(team=None).values("team"), role=Role.LEAD)
            | Q(department_id__in=memberships.values("department"), role=Role.HEAD)
        ).exclude(user_id=user_id).values_list("user_id", flat=True).distinct()
    )


def sales_members(*, exclude_user_id: int | None = None) -> QuerySet[User]:
    """Active people of active sales departments, by name: whom a lead can be given to."""
    queryset = User.objects.filter(
        pk__in=Membership.objects.filter(department__kind=DepartmentKind.SALES,
                                         department__is_active=True).values("user"),
        is_active=True,
    )
    if exclude_user_id is not None:
        queryset = queryset.exclude(pk=exclude_user_id)
    return queryset.order_by("full_name", "username")

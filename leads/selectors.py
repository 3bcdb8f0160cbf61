"""Reading leads: visibility, list shapes, eligibility for assignment, the team view."""

import datetime

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, When
from django.utils import timezone

from coordination.org.models import Absence, DepartmentKind, Membership, Role, User
from leads.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentReason,
    AssignmentRule,
    FollowUp,
    Lead,
    LeadSettings,
)
from leads.permissions import lead_visibility_filter


def lead_settings() -> LeadSettings:
    settings, _created = LeadSettings.objects.get_or_create(pk=1)
    return settings


def start_of_local_day(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def deadline_expression():
    """The clock that runs now: first contact until it happened, then the next step."""
    return Case(
        When(status="assigned", first_contacted_at__isnull=True, then="first_contact_due_at"),
        When(status__in=["contacted", "qualified"], then="next_step_due_at"),
        default=None,
    )


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


def eligible_reps(*, user_ids, now: datetime.datetime, daily_cap: int | None) -> QuerySet[User]:
    """Of `user_ids`: active, not absent at `now`, under the daily cap. One query, annotated
    with today's rule assignments and open leads for the strategies."""
    away = Absence.objects.filter(user=OuterRef("pk"), starts_at__lte=now, ends_at__gt=now)
    today = start_of_local_day(now)
    queryset = (
        User.objects.filter(pk__in=list(user_ids), is_active=True)
        .exclude(Exists(away))
        .annotate(
            assigned_today=Count(
                "lead_assignments",
                filter=Q(lead_assignments__created_at__gte=today,
                         lead_assignments__reason__in=[AssignmentReason.RULE,
                                                       AssignmentReason.REASSIGNMENT,
                                                       AssignmentReason.DUPLICATE]),
                distinct=True,
            ),
            open_leads=Count("owned_leads", filter=Q(owned_leads__status__in=OPEN_STATUSES),
                             distinct=True),
        )
    )
    if daily_cap is not None:
        queryset = queryset.filter(assigned_today__lt=daily_cap)
    return queryset


def sales_head_ids(*, team_id: int | None = None) -> list[int]:
    """Heads of the team's department, else heads of every sales department."""
    heads = Membership.objects.filter(role=Role.HEAD, user__is_active=True)
    if team_id is not None:
        from coordination.org.models import Team

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


def team_board(*, user, now: datetime.datetime) -> list[dict]:
    """For a head or team lead: each managed rep's open and overdue leads and today's
    reassignments away from them. Aggregated in SQL: one query."""
    from coordination.org import permissions as org

    led = org.led_team_ids(user)
    headed = org.headed_department_ids(user)
    members = Membership.objects.filter(
        Q(team_id__in=led) | Q(department_id__in=headed, department__kind=DepartmentKind.SALES)
    ).values("user")
    today = start_of_local_day(now)
    overdue = (
        Q(owned_leads__status="assigned", owned_leads__first_contacted_at__isnull=True,
          owned_leads__first_contact_due_at__lte=now)
        | Q(owned_leads__status__in=["contacted", "qualified"],
            owned_leads__next_step_due_at__lte=now)
    )
    reps = (
        User.objects.filter(pk__in=members, is_active=True)
        .annotate(
            open_leads=Count("owned_leads", filter=Q(owned_leads__status__in=OPEN_STATUSES),
                             distinct=True),
            overdue_leads=Count("owned_leads", filter=overdue, distinct=True),
        )
        .order_by("-overdue_leads", "full_name", "username")
    )
    rows = list(reps.values("pk", "username", "full_name", "open_leads", "overdue_leads"))
    taken = dict(
        Assignment.objects.filter(
            created_at__gte=today, from_user_id__in=[row["pk"] for row in rows],
            reason__in=[AssignmentReason.REASSIGNMENT, AssignmentReason.ESCALATION,
                        AssignmentReason.POOL],
        ).values("from_user_id").annotate(n=Count("id")).values_list("from_user_id", "n")
    )
    for row in rows:
        row["reassigned_today"] = taken.get(row["pk"], 0)
    return rows


def follow_up_list_for(*, user) -> QuerySet[FollowUp]:
    queryset = FollowUp.objects.select_related("lead", "author", "lead__source")
    visible = lead_visibility_filter(user)
    if visible is not None:
        lead_ids = Lead.objects.filter(visible).values("pk")
        queryset = queryset.filter(lead_id__in=lead_ids)
    return queryset

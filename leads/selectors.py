"""Reading leads: visibility, list shapes, eligibility for assignment, the team view."""

import datetime

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from coordination.core.org import permissions as org
from coordination.core.org.models import Absence, DepartmentKind, Membership, Role, User
from leads.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentReason,
    AssignmentRule,
    Dispute,
    DisputeAttachment,
    FollowUp,
    Inspection,
    InspectionAnswer,
    InspectionStatus,
    Lead,
    LeadSettings,
    Ruling,
)
from leads.permissions import (
    DisputeReadRule,
    can_correct_ruling,
    can_inspect,
    lead_visibility_filter,
)


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


def team_board(*, user, now: datetime.datetime) -> list[dict]:
    """For a head or team lead: each managed rep's open and overdue leads and today's
    reassignments away from them. Aggregated in SQL: one query."""
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


# For the pages of the leads app --------------------------------------------------------------


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


def follow_up_search(*, user, rep_id: int | None = None,
                     since: datetime.datetime | None = None,
                     until: datetime.datetime | None = None, text: str = "",
                     in_notes: bool = True) -> QuerySet[FollowUp]:
    """Follow-ups `user` may see, newest first, by rep, time range [since, until) and content:
    the next step and, when `in_notes` (the reader may read notes), the notes."""
    queryset = follow_up_list_for(user=user)
    if rep_id:
        queryset = queryset.filter(author_id=rep_id)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    if text:
        match = Q(next_step__icontains=text)
        if in_notes:
            match |= Q(notes__icontains=text)
        queryset = queryset.filter(match)
    return queryset.order_by("-created_at", "-id")


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


def lead_was_pooled(*, lead: Lead) -> bool:
    """Has the lead ever been in a lead pool (where any rep of the pool could see it)?"""
    return lead.pool_id is not None or Assignment.objects.filter(
        lead=lead, reason__in=[AssignmentReason.POOL, AssignmentReason.CLAIM]).exists()


# Lead quality ------------------------------------------------------------------------------------


def dispute_list_for(*, user) -> QuerySet[Dispute]:
    """Disputes `user` may read (`DisputeReadRule.filter`: the quality department, executives,
    admins and keys with a quality scope read every one; a side the disputes it follows), with
    the verdict in force and, as `reader_sees_lead`, what `DisputeReadRule.access` asks of each
    row (whether the reader may see its lead), so that a list reads what each row shows without
    a query per row."""
    rule = DisputeReadRule(user)
    newest = Ruling.objects.filter(dispute=OuterRef("pk")).order_by("-id")
    queryset = (
        Dispute.objects.select_related("lead__source", "opened_by")
        .prefetch_related(
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("author")
                     .order_by("created_at", "id")),
            Prefetch("attachments", queryset=DisputeAttachment.objects.order_by("id")),
            Prefetch("rulings", queryset=Ruling.objects.select_related("ruled_by")
                     .order_by("-id")))
        .annotate(verdict=Subquery(newest.values("verdict")[:1]),
                  verdict_reason=Subquery(newest.values("reason")[:1]),
                  reader_sees_lead=rule.sees_lead_expression()))
    readable = rule.filter()
    return queryset if readable is None else queryset.filter(readable)


def inspection_list_for(*, user) -> QuerySet[Inspection]:
    """Inspections `user` may see. Inspectors: the queue (pending) and what they scored;
    reps: the scored inspections of their own follow-ups; team leads and heads: those of the
    people they manage; the quality heads, executives and admins: all."""
    queryset = (
        Inspection.objects.select_related("follow_up__lead", "follow_up__author")
        .prefetch_related(
            "scorecard__criteria",
            Prefetch("answers", queryset=InspectionAnswer.objects.select_related("criterion")
                     .order_by("criterion__position", "criterion_id"))))
    if org.is_integration(user):
        return queryset if user.has_scope("quality:read") else queryset.none()
    if not org.is_person(user):
        return queryset.none()
    # can_correct_ruling: a head of the quality department belonging to neither side.
    if org.is_superuser(user) or org.is_executive(user) or can_correct_ruling(user):
        return queryset
    done = Q(status=InspectionStatus.DONE)
    visible = done & Q(follow_up__author=user)
    if can_inspect(user):
        visible |= Q(status=InspectionStatus.PENDING) | Q(inspector=user)
    led, headed = org.led_team_ids(user), org.headed_department_ids(user)
    if led or headed:
        managed = Membership.objects.filter(Q(team_id__in=led) | Q(department_id__in=headed))
        visible |= done & Exists(managed.filter(user_id=OuterRef("follow_up__author_id")))
    return queryset.filter(visible)


def quality_results_of_rep(*, user, since: datetime.datetime | None) -> tuple[dict, QuerySet]:
    """A rep's scored inspections (newest first) and their summary: count, average score,
    passed and not-genuine counts, in one aggregate."""
    done = Q(status=InspectionStatus.DONE)
    if since is not None:
        done &= Q(scored_at__gte=since)
    mine = Inspection.objects.filter(done, follow_up__author=user)
    summary = mine.aggregate(count=Count("id"), average=Avg("score"),
                             passed=Count("id", filter=Q(passed=True)),
                             not_genuine=Count("id", filter=Q(not_genuine=True)))
    return summary, mine.select_related("follow_up__lead").order_by("-scored_at", "-id")


def quality_results_of_team(*, user, since: datetime.datetime | None) -> list[dict]:
    """For a team lead or sales head: each managed rep's inspections, average score, passed
    and not-genuine counts. One grouped query."""
    members = Membership.objects.filter(
        Q(team_id__in=org.led_team_ids(user))
        | Q(department_id__in=org.headed_department_ids(user),
            department__kind=DepartmentKind.SALES)).values("user")
    scored = Q(follow_ups__inspections__status=InspectionStatus.DONE)
    if since is not None:
        scored &= Q(follow_ups__inspections__scored_at__gte=since)
    return list(
        User.objects.filter(pk__in=members, is_active=True)
        .annotate(
            inspected=Count("follow_ups__inspections", filter=scored),
            average=Avg("follow_ups__inspections__score", filter=scored),
            passed=Count("follow_ups__inspections",
                         filter=scored & Q(follow_ups__inspections__passed=True)),
            not_genuine=Count("follow_ups__inspections",
                              filter=scored & Q(follow_ups__inspections__not_genuine=True)))
        .order_by("full_name", "username")
        .values("pk", "username", "full_name", "inspected", "average", "passed", "not_genuine"))

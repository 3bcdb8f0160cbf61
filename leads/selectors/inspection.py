"""Quality inspection: the inspections a user may see, and the results of a rep or a team."""

import datetime

from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet

from coordination.core.org import permissions as org
from coordination.core.org.models import DepartmentKind, Membership, User
from leads.models import Inspection, InspectionAnswer, InspectionStatus
from leads.permissions import can_correct_ruling, can_inspect


def counted_inspection_filter(prefix: str = "") -> Q:
    """The inspections a figure counts, as a filter on Inspection (or through `prefix`, the
    path to the inspection from the model filtered): the first scoring of each inspected
    follow-up, once scored. Round 2 is a second opinion on the same follow-up and would count
    it twice. The metrics' inspection pass rate and the team's quality results both count
    these."""
    return Q(**{f"{prefix}round": 1, f"{prefix}status": InspectionStatus.DONE})


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
    """For a team lead or sales head: each managed rep's inspections scored since `since`
    (`counted_inspection_filter`, as the metrics count them: a follow-up scored twice counts
    once, by its first scoring), their average score, passed and not-genuine counts. One
    grouped query."""
    members = Membership.objects.filter(
        Q(team_id__in=org.led_team_ids(user))
        | Q(department_id__in=org.headed_department_ids(user),
            department__kind=DepartmentKind.SALES)).values("user")
    scored = counted_inspection_filter("follow_ups__inspections__")
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

"""The team view of heads and team leads."""

import datetime

from django.db.models import Count, Q

from coordination.core.org import permissions as org
from coordination.core.org.calendar import start_of_local_day
from coordination.core.org.models import DepartmentKind, Membership, User
from leads.models import OPEN_STATUSES, Assignment
from leads.selectors.assignment import reassignment_filter
from leads.selectors.lead import overdue_filter


def team_board(*, user, now: datetime.datetime) -> list[dict]:
    """For a head or team lead: each managed rep's open and overdue leads (past the deadline
    of the clock that runs, `overdue_filter`) and today's reassignments away from them
    (`reassignment_filter`, the reassignments the metrics count: not the escalations to the
    head nor the recycling to the pool). Aggregated in SQL: two queries."""
    led = org.led_team_ids(user)
    headed = org.headed_department_ids(user)
    members = Membership.objects.filter(
        Q(team_id__in=led) | Q(department_id__in=headed, department__kind=DepartmentKind.SALES)
    ).values("user")
    today = start_of_local_day(now)
    reps = (
        User.objects.filter(pk__in=members, is_active=True)
        .annotate(
            open_leads=Count("owned_leads", filter=Q(owned_leads__status__in=OPEN_STATUSES),
                             distinct=True),
            overdue_leads=Count("owned_leads", filter=overdue_filter(now, "owned_leads__"),
                                distinct=True),
        )
        .order_by("-overdue_leads", "full_name", "username")
    )
    rows = list(reps.values("pk", "username", "full_name", "open_leads", "overdue_leads"))
    taken = dict(
        Assignment.objects.filter(
            reassignment_filter(), created_at__gte=today,
            from_user_id__in=[row["pk"] for row in rows],
        ).values("from_user_id").annotate(n=Count("id")).values_list("from_user_id", "n")
    )
    for row in rows:
        row["reassigned_today"] = taken.get(row["pk"], 0)
    return rows

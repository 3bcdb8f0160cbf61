"""The team pages count what the metrics service counts (coordination/metrics/funnel.py): a
reassignment is the sweep's move of a lead to another rep after a missed deadline
(`reassignment_filter`, `reassigned_lead_filter`), and an inspection counts by its first scoring
(`counted_inspection_filter`). The definitions live at the leads floor, which the team pages may
read and the metrics service reads too.

Before, the team board also counted escalations to the head and recycling to the pool as
"reassigned today", and the team's quality results counted a follow-up scored twice twice."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination.metrics.funnel import funnel_metrics
from coordination.metrics.periods import Period
from leads.models import (
    Assignment,
    AssignmentReason,
    FollowUp,
    Inspection,
    InspectionStatus,
    LeadStatus,
    Scorecard,
)
from leads.services import lead_assign_auto, leads_sweep_first_contact
from tests.factories import LeadFactory, rule_with_reps
from tests.leads.conftest import TUESDAY_10

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def _today() -> Period:
    today = timezone.localdate()
    return Period(today, today + datetime.timedelta(days=1))


def _sweep_after_the_deadline(lead) -> None:
    lead.refresh_from_db()
    leads_sweep_first_contact(now=lead.first_contact_due_at + MINUTE)


def test_reassigned_today_on_the_team_page_is_the_metrics_reassignment(
        client, reps, source, head):
    # One reassignment allowed: the sweep gives the lead to the other rep of the rule, and
    # when that rep misses too, escalates it to the head.
    rule_with_reps(reps[:2], max_reassignments=1)
    lead = LeadFactory(source=source)
    lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)
    _sweep_after_the_deadline(lead)
    _sweep_after_the_deadline(lead)
    lead.refresh_from_db()
    assert lead.owner == head
    reasons = list(Assignment.objects.filter(lead=lead).order_by("id")
                   .values_list("reason", flat=True))
    assert reasons == [AssignmentReason.RULE, AssignmentReason.REASSIGNMENT,
                       AssignmentReason.ESCALATION]

    client.force_login(head)
    response = client.get(reverse("leads:team"))
    funnel = funnel_metrics(period=_today())

    # One lead reassigned once; its escalation to the head is not a reassignment (the team
    # page said 2 before: the reassignment and the escalation).
    assert funnel.totals.reassigned == 1
    assert response.context["totals"]["reassigned_today"] == funnel.totals.reassigned
    rows = {row["pk"]: row["reassigned_today"] for row in response.context["rows"]}
    first_rep, second_rep = (Assignment.objects.filter(lead=lead).order_by("id")
                             .values_list("to_user_id", flat=True)[:2])
    assert (rows[first_rep], rows[second_rep]) == (1, 0)


def test_the_teams_inspection_results_are_the_metrics_inspections(client, reps, source, head):
    card = Scorecard.objects.create(name="电话跟进", pass_mark=Decimal("60"))
    now = timezone.now()

    def scored(follow_up, round, score):
        Inspection.objects.create(
            follow_up=follow_up, round=round, scorecard=card, drawn_on=now.date(),
            status=InspectionStatus.DONE, score=Decimal(score), passed=score >= 60,
            scored_at=now, inspector=head)

    rep = reps[0]
    lead = LeadFactory(source=source, owner=rep, status=LeadStatus.CONTACTED)
    twice = FollowUp.objects.create(lead=lead, author=rep, channel="call", outcome="reached",
                                    notes="介绍了二期方案")
    once = FollowUp.objects.create(lead=lead, author=rep, channel="call", outcome="reached",
                                   notes="约好周四拜访")
    # Double scoring: the first inspector passes the follow-up, the second does not.
    scored(twice, 1, 80)
    scored(twice, 2, 40)
    scored(once, 1, 50)

    client.force_login(head)
    response = client.get(reverse("leads:quality_results"))
    funnel = funnel_metrics(period=_today())

    row = next(row for row in response.context["team"] if row["pk"] == rep.pk)
    # Two follow-ups inspected, one passed, by their first scoring (the page said three
    # inspected, one passed, before: the second scoring counted the follow-up twice).
    assert (funnel.inspections.numerator, funnel.inspections.denominator) == (1, 2)
    assert (row["passed"], row["inspected"]) == (funnel.inspections.numerator,
                                                 funnel.inspections.denominator)
    assert row["pass_rate"] == 50
    assert row["average"] == 65

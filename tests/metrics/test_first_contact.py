"""First contact met or missed (see coordination/metrics/funnel.py): missed stays missed
whatever the sweep did next, and nothing but a missed deadline makes a first contact missed.

The first tests drive the real services (assignment, the sweep, follow-ups, the inspection's
not-genuine flag) and then read the figures; the last one states each case by hand."""

import datetime
from decimal import Decimal

import pytest

from coordination.metrics.funnel import Rate, funnel_metrics
from leads.models import AssignmentReason, Lead, LeadStatus
from leads.services import (
    follow_up_create,
    follow_up_flag_not_genuine,
    lead_assign_auto,
    lead_reassign_manual,
    leads_sweep_first_contact,
)
from tests.factories import LeadPoolFactory, SourceFactory, rule_with_reps
from tests.metrics.conftest import NOVEMBER, NOW, _assigned, _lead, at

pytestmark = pytest.mark.django_db

# Tuesday 24 November, 10:00 in Shanghai: working time, so deadlines are plain clock time.
TUESDAY_10 = at(11, 24, 10)
MINUTE = datetime.timedelta(minutes=1)


def _call(*, lead, author, now):
    """A first call that reached the customer, as the service requires it: what was said and
    the next step with its date."""
    return follow_up_create(lead=lead, author=author, channel="call", outcome="reached",
                            notes="客户接了电话，约好明天线上演示", next_step="线上演示",
                            next_step_at=now + datetime.timedelta(days=1), now=now)


def _sla(totals) -> dict:
    return {"met": totals.sla_met, "missed": totals.sla_missed,
            "compliance": totals.sla_compliance, "first_contact_missed":
            totals.first_contact_missed, "reassignment": totals.reassignment_rate}


def _assigned_to_wang(org) -> Lead:
    """A lead of November given by the rule to Wang at 10:00, first contact due at 10:30. The
    rule allows no reassignment: a miss goes up to the sales head."""
    rule_with_reps([org.wang], max_reassignments=0, first_contact_sla_minutes=30)
    lead = _lead(SourceFactory(), None, TUESDAY_10 - MINUTE)
    lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)
    lead.refresh_from_db()
    assert (lead.owner, lead.first_contact_due_at) == (org.wang, at(11, 24, 10, 30))
    return lead


def test_a_miss_escalated_to_the_head_and_then_contacted_is_missed_not_met(org):
    lead = _assigned_to_wang(org)

    report = leads_sweep_first_contact(now=at(11, 24, 10, 31))
    lead.refresh_from_db()
    assert report.escalated == 1
    assert lead.owner == org.sales_head
    assert lead.assignments.first().reason == AssignmentReason.ESCALATION
    # An escalation is no reassignment, and the head got a fresh deadline.
    assert (lead.reassignment_count, lead.first_contact_due_at) == (0, at(11, 24, 11, 1))
    assert lead.first_contact_missed_at == at(11, 24, 10, 31)
    # The head contacts it within the new deadline: on time for the head, but the lead's first
    # contact was missed (the old definition, "contacted by the current deadline and never
    # reassigned", called this met).
    _call(lead=lead, author=org.sales_head, now=at(11, 24, 10, 50))
    lead.refresh_from_db()
    assert lead.first_contacted_at <= lead.first_contact_due_at

    assert _sla(funnel_metrics(period=NOVEMBER, now=NOW).totals) == {
        "met": 0, "missed": 1, "compliance": Rate(0, 1),
        "first_contact_missed": Rate(1, 1), "reassignment": Rate(0, 1),
    }


def test_a_first_contact_judged_not_genuine_is_missed(org):
    lead = _assigned_to_wang(org)
    follow_up = _call(lead=lead, author=org.wang, now=at(11, 24, 10, 10))
    assert _sla(funnel_metrics(period=NOVEMBER, now=NOW).totals)["met"] == 1

    follow_up_flag_not_genuine(follow_up=follow_up, actor=org.adjudicator,
                               now=at(11, 24, 10, 20))
    lead.refresh_from_db()
    assert (lead.first_contacted_at, lead.first_contact_missed_at) == (None,
                                                                      at(11, 24, 10, 20))
    # Wang really calls a few minutes later, still before the original 10:30: missed anyway.
    _call(lead=lead, author=org.wang, now=at(11, 24, 10, 25))

    assert _sla(funnel_metrics(period=NOVEMBER, now=NOW).totals) == {
        "met": 0, "missed": 1, "compliance": Rate(0, 1),
        "first_contact_missed": Rate(1, 1), "reassignment": Rate(0, 1),
    }


def test_a_manual_reassignment_before_the_deadline_is_no_miss(org):
    lead = _assigned_to_wang(org)
    lead_reassign_manual(lead=lead, to_user=org.li, note="Wang is at a client's all day.",
                         actor=org.sales_head, now=at(11, 24, 10, 20))
    lead.refresh_from_db()
    assert lead.first_contact_due_at == at(11, 24, 10, 50)
    # Li calls after Wang's deadline, within his own; the sweep has nothing to take back.
    _call(lead=lead, author=org.li, now=at(11, 24, 10, 45))
    assert leads_sweep_first_contact(now=at(11, 24, 10, 51)).lead_ids == []

    assert _sla(funnel_metrics(period=NOVEMBER, now=NOW).totals) == {
        "met": 1, "missed": 0, "compliance": Rate(1, 1),
        "first_contact_missed": Rate(0, 1), "reassignment": Rate(0, 1),
    }


def test_each_case_of_first_contact_by_hand(org):
    source = SourceFactory()
    pool = LeadPoolFactory()

    def lead(day, owner=org.wang, timeline=None, **fields):
        """A lead created on `day` at 9:00 with the given timeline (`_assigned`); by default
        contacted 20 minutes into a 30-minute deadline."""
        created = at(11, day, 9)
        timeline = timeline or _assigned(created, contacted_after=20)
        return _lead(source, None, created, owner=owner, **{**timeline, **fields})

    # 1. Met: contacted 20 minutes into a 30-minute deadline.
    lead(2)
    # 2. Missed: contacted 31 minutes in, a minute late, before the sweep came by (no stamp).
    lead(3, timeline=_assigned(at(11, 3, 9), contacted_after=31))
    # 3. Met, and reassigned: first contact in time; reassigned later for a missed next step.
    lead(4, reassignment_count=1)
    # 4. Met: contacted with no clock running (an uncontacted lead ruled invalid stops it).
    lead(5, first_contact_due_at=None)
    # 5. Pending: a rep gave it up to the pool before its deadline, uncontacted; not a miss
    #    until someone claims it and misses the new deadline.
    lead(6, owner=None, pool=pool, timeline=_assigned(at(11, 6, 9)), first_contact_due_at=None)
    # 6. Pending: uncontacted, deadline still running at NOW.
    lead(7, timeline=_assigned(at(11, 7, 9), due_at=NOW + MINUTE))
    # 7. Missed: uncontacted, deadline passed at NOW, not yet swept.
    lead(8, timeline=_assigned(at(11, 8, 9), due_at=NOW))
    # 8. Missed: stamped, then reassigned once and contacted within the new deadline.
    lead(9, timeline=_assigned(at(11, 9, 9), contacted_after=5, reassigned=1, missed=True))
    # 9. Not in the figures: never assigned.
    _lead(source, None, at(11, 10, 9), status=LeadStatus.NEW)

    totals = funnel_metrics(period=NOVEMBER, now=NOW).totals

    assert (totals.leads, totals.assigned) == (9, 8)
    assert _sla(totals) == {
        # 1, 3, 4.
        "met": 3,
        # 2, 7, 8.
        "missed": 3,
        "compliance": Rate(3, 6),
        "first_contact_missed": Rate(3, 8),
        # 3 and 8.
        "reassignment": Rate(2, 8),
    }
    assert totals.sla_compliance.value == Decimal("0.5")
    assert totals.first_contact_missed.value == Decimal("0.375")

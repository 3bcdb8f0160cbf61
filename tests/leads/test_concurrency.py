"""Two workers at once, on PostgreSQL: real threads, real row locks."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from coordination.core.errors import ApplicationError
from leads.models import Assignment, Lead
from leads.services import lead_assign_auto, lead_claim, leads_sweep_first_contact
from tests.factories import LeadFactory, LeadPoolFactory, rule_with_reps
from tests.leads.conftest import TUESDAY_10

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks need PostgreSQL; CI runs these with DATABASE_URL set"),
]


def run_together(target, count=2):
    """Run `target(index)` in `count` threads released at the same moment; return results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index):
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_sweep_by_two_workers_reassigns_each_overdue_lead_exactly_once(reps, source):
    rule_with_reps(reps, max_reassignments=5)
    leads = [LeadFactory(source=source) for _ in range(40)]
    for lead in leads:
        lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)
    moment = max(Lead.objects.values_list("first_contact_due_at", flat=True))
    moment = moment.replace(second=59)

    results = run_together(lambda _i: leads_sweep_first_contact(now=moment))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(report.reassigned for report in results) == 40
    per_lead = Counter(Assignment.objects.filter(reason="reassignment")
                       .values_list("lead_id", flat=True))
    assert len(per_lead) == 40
    assert set(per_lead.values()) == {1}
    for lead in Lead.objects.all():
        assert lead.reassignment_count == 1
        assert lead.owner_id is not None


def test_round_robin_stays_fair_with_two_workers(reps, source):
    rule_with_reps(reps)
    leads = [LeadFactory(source=source) for _ in range(30)]
    halves = [leads[0::2], leads[1::2]]

    def assign(index):
        for lead in halves[index]:
            lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)

    results = run_together(assign)
    assert not [r for r in results if isinstance(r, Exception)], results
    counts = Counter(Lead.objects.values_list("owner_id", flat=True))
    assert None not in counts
    assert sum(counts.values()) == 30
    assert max(counts.values()) - min(counts.values()) <= 1


def test_two_reps_claiming_the_same_lead_at_once_one_wins(reps, source):
    lead = LeadFactory(source=source, pool=LeadPoolFactory(), pooled_at=TUESDAY_10)
    results = run_together(lambda i: lead_claim(lead=lead, user=reps[i], now=TUESDAY_10))
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, ApplicationError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code == "already_claimed"
    lead.refresh_from_db()
    assert lead.owner_id == winners[0].to_user_id
    assert Assignment.objects.filter(lead=lead, reason="claim").count() == 1


def test_a_daily_cap_holds_for_a_rep_shared_by_two_rules_assigning_at_once(sales, team,
                                                                          source):
    from tests.factories import member

    shared = member(department=sales, team=team)
    others = [member(department=sales, team=team) for _ in range(2)]
    rules = [rule_with_reps([shared, others[i]], daily_cap=1, priority=i + 1,
                            conditions=[{"field": "region", "op": "equals", "value": region}])
             for i, region in enumerate(["上海", "北京"])]
    assert len(rules) == 2
    leads = [LeadFactory(source=source, region="上海"), LeadFactory(source=source, region="北京")]

    results = run_together(lambda i: lead_assign_auto(lead_id=leads[i].pk, now=TUESDAY_10))
    assert not [r for r in results if isinstance(r, Exception)], results
    owners = list(Lead.objects.values_list("owner_id", flat=True))
    assert None not in owners
    assert owners.count(shared.pk) == 1

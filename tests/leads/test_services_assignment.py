"""The assignment engine: rules, strategies, caps, absence, deadlines, the default queue."""

import datetime
from collections import Counter

import pytest

from coordination.core.notifications.models import Notification
from leads.models import Assignment, AssignmentReason, Lead, LeadStatus
from leads.services import lead_assign_auto, lead_create, rule_matches
from tests.factories import AbsenceFactory, LeadFactory, rule_with_reps
from tests.leads.conftest import TUESDAY_10, at

pytestmark = pytest.mark.django_db


def assign_many(source, count, now=TUESDAY_10, **fields):
    leads = [LeadFactory(source=source, **fields) for _ in range(count)]
    for lead in leads:
        lead_assign_auto(lead_id=lead.pk, now=now)
    return Lead.objects.filter(pk__in=[lead.pk for lead in leads])


def owners(leads) -> Counter:
    return Counter(lead.owner_id for lead in leads)


def test_round_robin_is_fair_counts_differ_by_at_most_one(reps, source):
    rule_with_reps(reps, strategy="round_robin")
    leads = assign_many(source, 10)
    counts = owners(leads)
    assert set(counts) == {rep.pk for rep in reps}
    assert max(counts.values()) - min(counts.values()) <= 1
    assert sum(counts.values()) == 10


def test_round_robin_takes_turns_in_order(reps, source):
    rule_with_reps(reps, strategy="round_robin")
    leads = assign_many(source, 3)
    assert sorted(lead.owner_id for lead in leads) == sorted(rep.pk for rep in reps)


def test_weighted_gives_shares_by_weight(reps, source):
    rule_with_reps(reps[:2], strategy="weighted", weights=[3, 1])
    counts = owners(assign_many(source, 8))
    assert counts[reps[0].pk] == 6
    assert counts[reps[1].pk] == 2


def test_least_loaded_fills_the_emptiest_rep_first(reps, source):
    busy, idle = reps[0], reps[1]
    for _ in range(3):
        LeadFactory(source=source, owner=busy, status=LeadStatus.ASSIGNED)
    rule_with_reps([busy, idle], strategy="least_loaded")
    counts = owners(assign_many(source, 5))
    # idle first reaches busy's 3 open leads, then they alternate: 4 and 1 of the new leads.
    assert counts[idle.pk] == 4
    assert counts[busy.pk] == 1


def test_daily_cap_skips_reps_at_their_cap_and_queues_the_rest(reps, source, head):
    rule_with_reps(reps[:2], daily_cap=2)
    leads = assign_many(source, 5)
    counts = owners(leads)
    assert counts[reps[0].pk] == 2
    assert counts[reps[1].pk] == 2
    queued = leads.get(owner__isnull=True)
    assert queued.unassigned_reason
    assert Notification.objects.filter(recipient=head, kind="lead.unassigned").count() == 1


def test_absent_rep_gets_no_lead(reps, source):
    away = reps[0]
    AbsenceFactory(user=away, starts_at=TUESDAY_10 - datetime.timedelta(days=1),
                   ends_at=TUESDAY_10 + datetime.timedelta(days=1))
    rule_with_reps(reps)
    counts = owners(assign_many(source, 6))
    assert away.pk not in counts
    assert sum(counts.values()) == 6


def test_inactive_rep_gets_no_lead(reps, source):
    reps[0].is_active = False
    reps[0].save()
    rule_with_reps(reps)
    assert reps[0].pk not in owners(assign_many(source, 4))


def test_friday_23h_lead_is_due_monday_morning_in_business_time(reps, source):
    rule_with_reps(reps, first_contact_sla_minutes=30)
    lead = LeadFactory(source=source)
    lead_assign_auto(lead_id=lead.pk, now=at(2026, 11, 27, 23))  # a Friday
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    assert lead.first_contact_due_at == at(2026, 11, 30, 9, 30)


def test_deadline_skips_the_lunch_break(reps, source):
    rule_with_reps(reps, first_contact_sla_minutes=90)
    lead = LeadFactory(source=source)
    lead_assign_auto(lead_id=lead.pk, now=at(2026, 11, 24, 11, 30))
    lead.refresh_from_db()
    assert lead.first_contact_due_at == at(2026, 11, 24, 14)


def test_lead_matching_no_rule_goes_to_the_default_queue_and_its_head_is_told(reps, source,
                                                                              head):
    rule_with_reps(reps, conditions=[{"field": "region", "op": "equals", "value": "北京"}])
    lead = LeadFactory(source=source, region="上海")
    result = lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)
    lead.refresh_from_db()
    assert result.assignment is None
    assert lead.owner is None
    assert lead.status == LeadStatus.NEW
    assert lead.unassigned_reason
    assert Notification.objects.filter(recipient=head, kind="lead.unassigned").count() == 1
    # Trying again later does not repeat the notice.
    lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)
    assert Notification.objects.filter(recipient=head, kind="lead.unassigned").count() == 1


def test_rules_are_tried_by_priority_and_conditions(reps, source):
    north = rule_with_reps([reps[0]], priority=1, conditions=[
        {"field": "region", "op": "in", "value": ["北京", "天津"]}])
    vip = rule_with_reps([reps[1]], priority=2, conditions=[
        {"field": "attributes.tier", "op": "equals", "value": "vip"}])
    rule_with_reps([reps[2]], priority=3)
    beijing = LeadFactory(source=source, region="北京", attributes={"tier": "vip"})
    vip_lead = LeadFactory(source=source, region="上海", attributes={"tier": "vip"})
    plain = LeadFactory(source=source, region="上海")
    for lead in (beijing, vip_lead, plain):
        lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)
    assert Lead.objects.get(pk=beijing.pk).rule == north
    assert Lead.objects.get(pk=vip_lead.pk).rule == vip
    assert Lead.objects.get(pk=plain.pk).owner == reps[2]


def test_source_condition_matches_by_name_or_id(reps, source):
    rule = rule_with_reps(reps, conditions=[{"field": "source", "op": "equals",
                                             "value": "百度推广"}])
    assert rule_matches(rule, LeadFactory(source=source))
    rule.conditions = [{"field": "source", "op": "in", "value": [source.pk]}]
    assert rule_matches(rule, LeadFactory(source=source))


def test_a_rule_with_nobody_available_gives_way_to_the_next(reps, source):
    AbsenceFactory(user=reps[0], starts_at=TUESDAY_10 - datetime.timedelta(hours=1),
                   ends_at=TUESDAY_10 + datetime.timedelta(hours=1))
    rule_with_reps([reps[0]], priority=1)
    fallback = rule_with_reps([reps[1]], priority=2)
    lead = LeadFactory(source=source)
    lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)
    lead.refresh_from_db()
    assert lead.owner == reps[1]
    assert lead.rule == fallback


def test_assignment_is_recorded_with_reason_and_rule_and_the_rep_is_notified(reps, source):
    rule = rule_with_reps(reps)
    lead = LeadFactory(source=source)
    lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)
    assignment = Assignment.objects.get(lead=lead)
    assert assignment.reason == AssignmentReason.RULE
    assert assignment.rule == rule
    assert Notification.objects.filter(recipient=assignment.to_user,
                                       kind="lead.assigned").exists()


def test_assigning_twice_is_harmless(reps, source):
    rule_with_reps(reps)
    lead = LeadFactory(source=source)
    lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)
    second = lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)
    assert second.assignment is None
    assert Assignment.objects.filter(lead=lead).count() == 1


def test_created_lead_is_assigned_after_commit(reps, source, django_capture_on_commit_callbacks):
    rule_with_reps(reps)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = lead_create(source=source, data={"name": "王五", "phone": "13912345678"})
    assert Lead.objects.get(pk=result.lead.pk).owner is None
    for callback in callbacks:
        callback()
    assert Lead.objects.get(pk=result.lead.pk).owner is not None


def test_duplicate_goes_to_the_owner_of_the_original(reps, source,
                                                     django_capture_on_commit_callbacks):
    rule_with_reps(reps)
    with django_capture_on_commit_callbacks(execute=True):
        first = lead_create(source=source, data={"name": "赵六", "phone": "13700001111"}).lead
        second = lead_create(source=source, data={"name": "赵六(重复)",
                                                  "phone": "137 0000 1111"}).lead
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.duplicate_of == first
    assert second.owner == first.owner
    assert Assignment.objects.get(lead=second).reason == AssignmentReason.DUPLICATE

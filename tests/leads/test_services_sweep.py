"""The reassignment sweep: first-contact misses, previous owners, escalation after N, the
next-step ladder, idempotency."""

import datetime

import pytest

from coordination.core.notifications.models import Notification
from leads.models import Assignment, AssignmentReason, Lead, LeadStatus, OnExhausted
from leads.services import (
    follow_up_create,
    lead_assign_auto,
    leads_recycle_idle,
    leads_sweep_first_contact,
    leads_sweep_next_step,
)
from tests.factories import LeadFactory, LeadPoolFactory, rule_with_reps
from tests.leads.conftest import TUESDAY_10

pytestmark = pytest.mark.django_db
MINUTE = datetime.timedelta(minutes=1)


def assigned_lead(source, now=TUESDAY_10):
    lead = LeadFactory(source=source)
    lead_assign_auto(lead_id=lead.pk, now=now)
    lead.refresh_from_db()
    return lead


def after_deadline(lead):
    lead.refresh_from_db()
    return lead.first_contact_due_at + MINUTE


def test_missed_first_contact_is_taken_back_and_given_to_another_rep(reps, source):
    rule_with_reps(reps, max_reassignments=3)
    lead = assigned_lead(source)
    first_owner = lead.owner
    report = leads_sweep_first_contact(now=after_deadline(lead))
    lead.refresh_from_db()
    assert report.reassigned == 1
    assert lead.owner not in (None, first_owner)
    assert lead.reassignment_count == 1
    assignment = Assignment.objects.filter(lead=lead).first()
    assert assignment.reason == AssignmentReason.REASSIGNMENT
    assert assignment.from_user == first_owner
    assert Notification.objects.filter(recipient=first_owner, kind="lead.reassigned").exists()
    assert Notification.objects.filter(recipient=lead.owner, kind="lead.assigned").exists()


def test_lead_contacted_in_time_is_left_alone(reps, source):
    rule_with_reps(reps)
    lead = assigned_lead(source)
    follow_up_create(lead=lead, author=lead.owner, channel="call", outcome="reached",
                     notes="客户在开会，约好明天上午再打", next_step="明天上午回电",
                     next_step_at=TUESDAY_10 + datetime.timedelta(days=1),
                     now=TUESDAY_10 + MINUTE)
    report = leads_sweep_first_contact(now=after_deadline(lead))
    assert report.reassigned == 0
    assert Lead.objects.get(pk=lead.pk).owner == lead.owner


def test_sweep_never_returns_lead_to_previous_owner(reps, source, head):
    rule_with_reps(reps, max_reassignments=10)
    lead = assigned_lead(source)
    seen = [lead.owner_id]
    for _ in range(2):
        leads_sweep_first_contact(now=after_deadline(lead))
        lead.refresh_from_db()
        assert lead.owner_id not in seen
        seen.append(lead.owner_id)
    # All three reps have had it: no rep is left, so it goes up to the head.
    leads_sweep_first_contact(now=after_deadline(lead))
    lead.refresh_from_db()
    assert lead.owner == head
    assert Assignment.objects.filter(lead=lead).first().reason == AssignmentReason.ESCALATION


def test_after_n_reassignments_the_lead_goes_to_the_sales_head(reps, source, head):
    rule_with_reps(reps, max_reassignments=1)
    lead = assigned_lead(source)
    leads_sweep_first_contact(now=after_deadline(lead))
    leads_sweep_first_contact(now=after_deadline(lead))
    lead.refresh_from_db()
    assert lead.reassignment_count == 1
    assert lead.owner == head
    reasons = list(Assignment.objects.filter(lead=lead).order_by("created_at", "id")
                   .values_list("reason", flat=True))
    assert reasons == ["rule", "reassignment", "escalation"]


def test_after_n_reassignments_the_lead_goes_to_the_pool_when_the_rule_says(reps, source):
    pool = LeadPoolFactory()
    rule_with_reps(reps, max_reassignments=0, on_exhausted=OnExhausted.POOL, recycle_pool=pool)
    lead = assigned_lead(source)
    report = leads_sweep_first_contact(now=after_deadline(lead))
    lead.refresh_from_db()
    assert report.recycled == 1
    assert lead.owner is None
    assert lead.pool == pool
    assert lead.first_contact_due_at is None


def test_one_miss_is_acted_on_once_even_if_the_sweep_runs_twice(reps, source):
    rule_with_reps(reps, max_reassignments=5)
    lead = assigned_lead(source)
    moment = after_deadline(lead)
    leads_sweep_first_contact(now=moment)
    second = leads_sweep_first_contact(now=moment)
    assert second.reassigned == 0
    assert Assignment.objects.filter(lead=lead, reason="reassignment").count() == 1


def test_reassignment_deadline_is_in_business_time(reps, source):
    rule_with_reps(reps, first_contact_sla_minutes=30)
    lead = assigned_lead(source, now=TUESDAY_10.replace(hour=17, minute=50))
    moment = after_deadline(lead)  # Wednesday 09:21
    leads_sweep_first_contact(now=moment)
    lead.refresh_from_db()
    assert lead.first_contact_due_at == moment + datetime.timedelta(minutes=30)


def worked_lead(source, reps, **rule_fields):
    rule_with_reps(reps, **rule_fields)
    lead = assigned_lead(source)
    follow_up_create(lead=lead, author=lead.owner, channel="wechat", outcome="interested",
                     notes="客户对产品有兴趣，要一份报价单", next_step="发报价",
                     next_step_at=TUESDAY_10 + datetime.timedelta(days=1),
                     now=TUESDAY_10 + MINUTE)
    lead.refresh_from_db()
    return lead


def test_next_step_ladder_reminds_then_copies_the_head_then_reassigns(reps, source, head):
    lead = worked_lead(source, reps)
    owner = lead.owner
    due = lead.next_step_due_at
    assert lead.escalation_due_at == due

    report = leads_sweep_next_step(now=due + MINUTE)
    assert report.reminded == 1
    assert Notification.objects.filter(recipient=owner, kind="lead.next_step_overdue").count() == 1
    # Same day again: nothing new.
    assert leads_sweep_next_step(now=due + 2 * MINUTE).reminded == 0

    leads_sweep_next_step(now=due + datetime.timedelta(days=2, minutes=1))
    assert Notification.objects.filter(recipient=head, kind="lead.next_step_overdue").count() == 1
    assert Lead.objects.get(pk=lead.pk).owner == owner

    # Day 4 counts working days: the next step was due Wednesday, so Tuesday next week.
    leads_sweep_next_step(now=due + datetime.timedelta(days=5, minutes=1))  # Monday
    assert Lead.objects.get(pk=lead.pk).owner == owner
    leads_sweep_next_step(now=due + datetime.timedelta(days=6, minutes=1))  # Tuesday
    lead.refresh_from_db()
    assert lead.owner not in (None, owner)
    assert lead.status == LeadStatus.CONTACTED
    assert lead.escalation_step == 0
    assert lead.next_step_due_at > due + datetime.timedelta(days=6)
    assert Notification.objects.filter(recipient=owner, kind="lead.next_step_overdue").count() == 1


def test_a_follow_up_restarts_the_ladder(reps, source):
    lead = worked_lead(source, reps)
    due = lead.next_step_due_at
    leads_sweep_next_step(now=due + MINUTE)
    follow_up_create(lead=lead, author=lead.owner, channel="call", outcome="reached",
                     notes="报价已收到，客户下周和老板商量", next_step="确认老板意见",
                     next_step_at=due + datetime.timedelta(days=7), now=due + 2 * MINUTE)
    lead.refresh_from_db()
    assert lead.escalation_step == 0
    assert leads_sweep_next_step(now=due + datetime.timedelta(days=4, minutes=1)).reassigned == 0


def test_ladder_with_several_steps_due_at_once_takes_each_once(reps, source, head):
    lead = worked_lead(source, reps, escalation_ladder=[
        {"after_days": 0, "action": "remind"}, {"after_days": 1, "action": "copy_head"}])
    leads_sweep_next_step(now=lead.next_step_due_at + datetime.timedelta(days=3))
    leads_sweep_next_step(now=lead.next_step_due_at + datetime.timedelta(days=5))
    assert Notification.objects.filter(kind="lead.next_step_overdue").count() == 2
    assert Lead.objects.get(pk=lead.pk).escalation_due_at is None


def test_idle_leads_are_recycled_to_the_pool(reps, source):
    pool = LeadPoolFactory()
    rule_with_reps(reps, recycle_after_idle_days=14, recycle_pool=pool)
    lead = assigned_lead(source)
    fresh = assigned_lead(source)
    assert leads_recycle_idle(now=TUESDAY_10 + datetime.timedelta(days=13)).recycled == 0
    Lead.objects.filter(pk=fresh.pk).update(last_follow_up_at=TUESDAY_10 + datetime.timedelta(
        days=10))
    report = leads_recycle_idle(now=TUESDAY_10 + datetime.timedelta(days=15))
    assert report.recycled == 1
    assert Lead.objects.get(pk=lead.pk).pool == pool
    assert Lead.objects.get(pk=fresh.pk).pool is None


def test_sweep_query_is_served_by_the_partial_index(reps, source):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the index plan is checked on PostgreSQL (CI)")
    rule_with_reps(reps)
    for _ in range(3):
        assigned_lead(source)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        queryset = Lead.objects.filter(status="assigned", first_contacted_at__isnull=True,
                                       first_contact_due_at__lte=TUESDAY_10).values("pk")
        plan = queryset.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "lead_first_contact_due" in plan


def test_a_lead_on_the_heads_desk_is_not_passed_round_again(reps, source, head):
    rule_with_reps(reps, max_reassignments=0)
    lead = assigned_lead(source)
    leads_sweep_first_contact(now=after_deadline(lead))
    lead.refresh_from_db()
    assert lead.owner == head
    moment = after_deadline(lead)
    report = leads_sweep_first_contact(now=moment)
    lead.refresh_from_db()
    assert report.reminded == 1
    assert lead.owner == head
    assert lead.first_contact_due_at > moment
    assert Notification.objects.filter(recipient=head, kind="lead.overdue").count() == 1


def test_a_worked_lead_missed_by_the_head_ends_the_ladder_without_looping(reps, source, head):
    lead = worked_lead(source, reps, max_reassignments=0,
                       escalation_ladder=[{"after_days": 0, "action": "reassign"}])
    leads_sweep_next_step(now=lead.next_step_due_at + MINUTE)
    lead.refresh_from_db()
    assert lead.owner == head
    leads_sweep_next_step(now=lead.next_step_due_at + MINUTE)
    leads_sweep_next_step(now=lead.next_step_due_at + 2 * MINUTE)
    lead.refresh_from_db()
    assert lead.owner == head
    assert lead.escalation_due_at is None
    assert Assignment.objects.filter(lead=lead, reason="escalation").count() == 1


def test_a_missed_first_contact_is_stamped_once(reps, source, head):
    rule_with_reps(reps, max_reassignments=0)
    lead = assigned_lead(source)
    first_miss = after_deadline(lead)
    leads_sweep_first_contact(now=first_miss)
    lead.refresh_from_db()
    assert lead.owner == head  # escalated, not "reassigned"
    assert lead.first_contact_missed_at == first_miss
    leads_sweep_first_contact(now=after_deadline(lead))
    lead.refresh_from_db()
    assert lead.first_contact_missed_at == first_miss


def test_sweep_with_no_head_and_no_pool_reminds_the_owner_instead_of_looping(reps, source):
    rule_with_reps(reps[:1], max_reassignments=0)
    lead = assigned_lead(source)
    moment = after_deadline(lead)
    report = leads_sweep_first_contact(now=moment)
    lead.refresh_from_db()
    assert report.reminded == 1
    assert lead.owner == reps[0]
    assert lead.first_contact_due_at > moment
    assert leads_sweep_first_contact(now=moment).reminded == 0
    assert Notification.objects.filter(recipient=reps[0], kind="lead.overdue").count() == 1


def test_ladder_days_are_working_days_of_the_calendar():
    import zoneinfo

    from coordination.core.org.calendar import CalendarSpec
    from leads.services.ladder import add_working_days

    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    nine_to_six = [(datetime.time(9), datetime.time(18))]
    spec = CalendarSpec(time_zone=shanghai, periods={d: nine_to_six for d in range(5)},
                        holidays=frozenset({datetime.date(2026, 10, 1),
                                            datetime.date(2026, 10, 2)}),
                        workdays={datetime.date(2026, 10, 10): 0})
    friday = datetime.datetime(2026, 11, 27, 15, tzinfo=shanghai)
    assert add_working_days(moment=friday, days=1, spec=spec) == friday + datetime.timedelta(
        days=3)
    # Wednesday 30 Sep + 2 working days: Thursday and Friday are holidays -> Mon 5, Tue 6.
    before_holiday = datetime.datetime(2026, 9, 30, 10, tzinfo=shanghai)
    assert add_working_days(moment=before_holiday, days=2, spec=spec).date() == \
        datetime.date(2026, 10, 6)
    # Friday 9 Oct + 1 working day: Saturday 10 Oct is a make-up working day.
    assert add_working_days(moment=datetime.datetime(2026, 10, 9, 10, tzinfo=shanghai), days=1,
                            spec=spec).date() == datetime.date(2026, 10, 10)

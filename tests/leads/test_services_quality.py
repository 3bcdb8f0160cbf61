"""Disputes and rulings: who may rule, one open dispute per lead, final rulings and
corrections, caps, the daily sample, escalation, paused clocks."""

import datetime
from decimal import Decimal

import pytest

from coordination.core.errors import ApplicationError
from coordination.core.events.models import Event
from coordination.core.notifications.models import Notification
from coordination.core.org.models import DepartmentKind, Role
from leads.models import (
    Dispute,
    DisputeCap,
    DisputeSide,
    Lead,
    LeadStatus,
    QualitySettings,
    Ruling,
    RulingIsFinal,
)
from leads.services import (
    dispute_open,
    dispute_rule,
    disputes_escalate_overdue,
    leads_sample_for_adjudication,
    leads_sweep_first_contact,
    ruling_correct,
)
from tests.factories import DepartmentFactory, LeadFactory, SourceFactory, member
from tests.leads.conftest import TUESDAY_10

pytestmark = pytest.mark.django_db


@pytest.fixture
def quality():
    return DepartmentFactory(name="质检部", kind=DepartmentKind.QUALITY)


@pytest.fixture
def judge(quality):
    return member(department=quality, is_adjudicator=True)


@pytest.fixture
def quality_head(quality):
    return member(department=quality, role=Role.HEAD)


@pytest.fixture
def marketer():
    return member(DepartmentKind.MARKETING)


def owned_lead(rep, source, **fields):
    return LeadFactory(source=source, owner=rep, status=LeadStatus.ASSIGNED,
                       first_contact_due_at=TUESDAY_10 + datetime.timedelta(minutes=30),
                       **fields)


def test_owner_opens_a_dispute_with_grounds_and_evidence(reps, source, quality_head):
    lead = owned_lead(reps[0], source)
    dispute = dispute_open(lead=lead, actor=reps[0], ground="wrong_number",
                           evidence="空号，三次拨打均提示不存在", now=TUESDAY_10)
    assert dispute.side == DisputeSide.SALES
    assert dispute.due_at > TUESDAY_10
    assert Event.objects.filter(name="dispute.opened", payload__dispute=dispute.pk).exists()
    assert Notification.objects.filter(recipient=quality_head, kind="dispute.opened").exists()
    # The lead stays with its owner.
    assert Lead.objects.get(pk=lead.pk).owner == reps[0]


def test_marketing_disputes_for_its_side(reps, source, marketer):
    dispute = dispute_open(lead=owned_lead(reps[0], source), actor=marketer, ground="other",
                           evidence="销售判定无意向过早", now=TUESDAY_10)
    assert dispute.side == DisputeSide.MARKETING


def test_another_rep_may_not_dispute_someone_elses_lead(reps, source):
    with pytest.raises(ApplicationError):
        dispute_open(lead=owned_lead(reps[0], source), actor=reps[1], ground="fake",
                     evidence="x", now=TUESDAY_10)


def test_evidence_is_required(reps, source):
    with pytest.raises(ApplicationError) as error:
        dispute_open(lead=owned_lead(reps[0], source), actor=reps[0], ground="fake",
                     evidence="  ", now=TUESDAY_10)
    assert error.value.field == "evidence"


def test_one_open_dispute_per_lead(reps, source, marketer):
    lead = owned_lead(reps[0], source)
    dispute_open(lead=lead, actor=reps[0], ground="fake", evidence="x", now=TUESDAY_10)
    with pytest.raises(ApplicationError) as error:
        dispute_open(lead=lead, actor=marketer, ground="other", evidence="y", now=TUESDAY_10)
    assert error.value.code == "already_disputed"
    assert Dispute.objects.filter(lead=lead).count() == 1


@pytest.mark.parametrize("role", ["rep", "sales_head", "marketer", "marketing_head",
                                  "executive", "superuser", "quality_member", "quality_head"])
def test_only_an_adjudicator_rules(role, reps, source, sales, judge, quality):
    actors = {
        "rep": lambda: reps[0],
        "sales_head": lambda: member(department=sales, role=Role.HEAD),
        "marketer": lambda: member(DepartmentKind.MARKETING),
        "marketing_head": lambda: member(DepartmentKind.MARKETING, Role.HEAD),
        "executive": lambda: member(DepartmentKind.EXECUTIVE, Role.EXECUTIVE),
        "superuser": lambda: member(DepartmentKind.IT, user=None) and __import__(
            "tests.factories", fromlist=["UserFactory"]).UserFactory(is_superuser=True),
        "quality_member": lambda: member(department=quality),
        "quality_head": lambda: member(department=quality, role=Role.HEAD),
    }
    dispute = dispute_open(lead=owned_lead(reps[0], source), actor=reps[0], ground="fake",
                           evidence="x", now=TUESDAY_10)
    with pytest.raises(ApplicationError):
        dispute_rule(dispute=dispute, verdict="invalid", reason="fake", actor=actors[role]())
    assert not Ruling.objects.exists()
    dispute_rule(dispute=dispute, verdict="invalid", reason="fake", actor=judge)
    assert Ruling.objects.count() == 1


def test_ruling_is_final_stamped_and_sets_the_leads_verdict(reps, source, judge):
    lead = owned_lead(reps[0], source)
    dispute = dispute_open(lead=lead, actor=reps[0], ground="fake", evidence="x",
                           now=TUESDAY_10)
    ruling = dispute_rule(dispute=dispute, verdict="invalid", reason="fake", note="虚假信息",
                          actor=judge, now=TUESDAY_10 + datetime.timedelta(hours=1))
    assert ruling.ruled_by == judge and ruling.created_at is not None
    assert Lead.objects.get(pk=lead.pk).quality_verdict == "invalid"
    assert Event.objects.filter(name="dispute.ruled", payload__verdict="invalid").exists()
    ruling.note = "changed"
    with pytest.raises(RulingIsFinal):
        ruling.save()
    with pytest.raises(RulingIsFinal):
        Ruling.objects.filter(pk=ruling.pk).update(verdict="valid")
    with pytest.raises(ApplicationError) as error:
        dispute_rule(dispute=dispute, verdict="valid", actor=judge)
    assert error.value.code == "already_ruled"


def test_invalid_needs_a_reason(reps, source, judge):
    dispute = dispute_open(lead=owned_lead(reps[0], source), actor=reps[0], ground="fake",
                           evidence="x", now=TUESDAY_10)
    with pytest.raises(ApplicationError) as error:
        dispute_rule(dispute=dispute, verdict="invalid", actor=judge)
    assert error.value.field == "reason"


def test_only_a_quality_head_corrects_and_the_correction_supersedes(reps, source, judge,
                                                                   quality_head):
    lead = owned_lead(reps[0], source)
    dispute = dispute_open(lead=lead, actor=reps[0], ground="fake", evidence="x",
                           now=TUESDAY_10)
    first = dispute_rule(dispute=dispute, verdict="invalid", reason="fake", actor=judge)
    with pytest.raises(ApplicationError):
        ruling_correct(ruling=first, verdict="valid", note="复核", actor=judge)
    correction = ruling_correct(ruling=first, verdict="valid", note="复核录音后为有效线索",
                                actor=quality_head)
    assert correction.supersedes == first
    assert Ruling.objects.get(pk=first.pk).verdict == "invalid"  # the old one stays as it was
    assert Lead.objects.get(pk=lead.pk).quality_verdict == "valid"
    with pytest.raises(ApplicationError) as error:
        ruling_correct(ruling=first, verdict="invalid", reason="fake", note="again",
                       actor=quality_head)
    assert error.value.code == "superseded"


def test_a_member_of_quality_and_sales_cannot_rule_even_with_the_flag(reps, source, quality):
    from tests.factories import MembershipFactory

    double = member(department=quality, is_adjudicator=True)
    MembershipFactory(user=double, department=reps[0].memberships.get().department)
    dispute = dispute_open(lead=owned_lead(reps[0], source), actor=reps[0], ground="fake",
                           evidence="x", now=TUESDAY_10)
    with pytest.raises(ApplicationError):
        dispute_rule(dispute=dispute, verdict="valid", actor=double)


def test_dispute_cap_per_source_and_side(reps, source):
    DisputeCap.objects.create(source=source, side="sales", max_share=Decimal("15"))
    leads = [owned_lead(reps[0], source) for _ in range(20)]  # 15% of 20 = 3
    for lead in leads[:3]:
        dispute_open(lead=lead, actor=reps[0], ground="fake", evidence="x")
    with pytest.raises(ApplicationError) as error:
        dispute_open(lead=leads[3], actor=reps[0], ground="fake", evidence="x")
    assert error.value.code == "dispute_cap"
    # Another source is not capped.
    dispute_open(lead=owned_lead(reps[0], SourceFactory()), actor=reps[0], ground="fake",
                 evidence="x")


def test_overdue_disputes_escalate_to_the_quality_head_once(reps, source, quality_head):
    dispute = dispute_open(lead=owned_lead(reps[0], source), actor=reps[0], ground="fake",
                           evidence="x", now=TUESDAY_10)
    assert disputes_escalate_overdue(now=dispute.due_at - datetime.timedelta(minutes=1)) == 0
    assert disputes_escalate_overdue(now=dispute.due_at + datetime.timedelta(minutes=1)) == 1
    assert disputes_escalate_overdue(now=dispute.due_at + datetime.timedelta(minutes=2)) == 0
    assert Notification.objects.filter(recipient=quality_head, kind="dispute.overdue"
                                       ).count() == 1


def test_daily_sample_draws_the_share_of_each_source_once(source):
    QualitySettings.objects.update_or_create(pk=1, defaults={"sample_share": Decimal("10")})
    other = SourceFactory()
    day = datetime.date(2026, 11, 24)
    for src, count in ((source, 30), (other, 5)):
        for _ in range(count):
            lead = LeadFactory(source=src)
            Lead.objects.filter(pk=lead.pk).update(created_at=TUESDAY_10)
    assert leads_sample_for_adjudication(day=day, now=TUESDAY_10, seed=1) == 3 + 1
    assert leads_sample_for_adjudication(day=day, now=TUESDAY_10, seed=2) == 0
    samples = Dispute.objects.filter(side=DisputeSide.SAMPLE)
    assert samples.filter(lead__source=source).count() == 3
    assert samples.filter(lead__source=other).count() == 1
    assert all(sample.opened_by_id is None for sample in samples)


def test_clocks_run_during_a_dispute_unless_paused(reps, source, judge):
    from tests.factories import rule_with_reps

    lead = owned_lead(reps[0], source, rule=rule_with_reps(reps))
    dispute_open(lead=lead, actor=reps[0], ground="fake", evidence="x", now=TUESDAY_10)
    after = lead.first_contact_due_at + datetime.timedelta(minutes=1)
    assert leads_sweep_first_contact(now=after).reassigned == 1
    assert Lead.objects.get(pk=lead.pk).owner != reps[0]


def test_paused_clocks_wait_for_the_ruling_and_then_move_on(reps, source, judge):
    QualitySettings.objects.update_or_create(pk=1, defaults={
        "pause_clocks_during_dispute": True})
    lead = owned_lead(reps[0], source)
    due = lead.first_contact_due_at
    dispute = dispute_open(lead=lead, actor=reps[0], ground="fake", evidence="x",
                           now=TUESDAY_10)
    report = leads_sweep_first_contact(now=due + datetime.timedelta(hours=2))
    assert report.reassigned + report.escalated == 0
    Dispute.objects.filter(pk=dispute.pk).update(created_at=TUESDAY_10)
    dispute_rule(dispute=dispute, verdict="valid", actor=judge,
                 now=TUESDAY_10 + datetime.timedelta(hours=3))
    lead.refresh_from_db()
    assert lead.first_contact_due_at == due + datetime.timedelta(hours=3)


def test_a_ruled_lead_cannot_be_disputed_again(reps, source, judge, marketer):
    lead = owned_lead(reps[0], source)
    dispute = dispute_open(lead=lead, actor=reps[0], ground="fake", evidence="x",
                           now=TUESDAY_10)
    dispute_rule(dispute=dispute, verdict="valid", actor=judge)
    with pytest.raises(ApplicationError) as error:
        dispute_open(lead=lead, actor=marketer, ground="other", evidence="again")
    assert error.value.code == "already_ruled"


def test_an_invalid_ruling_stops_the_leads_clocks(reps, source, judge):
    lead = owned_lead(reps[0], source)
    dispute = dispute_open(lead=lead, actor=reps[0], ground="fake", evidence="x",
                           now=TUESDAY_10)
    dispute_rule(dispute=dispute, verdict="invalid", reason="fake", actor=judge)
    lead.refresh_from_db()
    assert lead.first_contact_due_at is None
    report = leads_sweep_first_contact(now=TUESDAY_10 + datetime.timedelta(days=2))
    assert report.reassigned + report.escalated + report.reminded == 0


def test_caps_count_the_leads_own_monthly_cohort(reps, source):
    DisputeCap.objects.create(source=None, side="", max_share=Decimal("50"))
    old = [owned_lead(reps[0], source) for _ in range(4)]
    Lead.objects.filter(pk__in=[lead.pk for lead in old]).update(
        created_at=TUESDAY_10 - datetime.timedelta(days=40))
    # The cohort is the leads' own month (4 leads: 2 may be disputed), not the current month,
    # which has no lead yet and would allow none.
    dispute_open(lead=old[0], actor=reps[0], ground="fake", evidence="x")
    dispute_open(lead=old[1], actor=reps[0], ground="fake", evidence="x")
    with pytest.raises(ApplicationError):
        dispute_open(lead=old[2], actor=reps[0], ground="fake", evidence="x")


def test_the_cap_message_shows_a_plain_percentage(reps, source):
    DisputeCap.objects.create(source=source, side="", max_share=Decimal("50.00"))
    lead = owned_lead(reps[0], source)
    with pytest.raises(ApplicationError) as error:
        dispute_open(lead=lead, actor=reps[0], ground="fake", evidence="x")
    assert "50%" in error.value.message and "E+" not in error.value.message


def test_the_daily_sample_skips_leads_already_disputed_or_ruled(reps, source, judge):
    QualitySettings.objects.update_or_create(pk=1, defaults={"sample_share": Decimal("100")})
    leads = [owned_lead(reps[0], source) for _ in range(3)]
    Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(created_at=TUESDAY_10)
    ruled = dispute_open(lead=leads[0], actor=reps[0], ground="fake", evidence="x")
    dispute_rule(dispute=ruled, verdict="valid", actor=judge)
    assert leads_sample_for_adjudication(day=datetime.date(2026, 11, 24), now=TUESDAY_10) == 2

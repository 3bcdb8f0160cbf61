"""The demo leads: every leads page has something to show (the quality pages too), the data
is consistent with the services' rules, and the seed is safe to run again."""

import io

import phonenumbers
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.utils import timezone

from coordination.core.notifications.models import Notification
from coordination.core.org.models import User
from leads.management.commands.seed_demo_leads import SCORECARD, SOURCE_NAMES
from leads.models import (
    OPEN_STATUSES,
    AnswerType,
    Assignment,
    AssignmentRule,
    Campaign,
    Criterion,
    Dispute,
    DisputeCap,
    DisputeSide,
    DisputeStatus,
    FollowUp,
    Inspection,
    InspectionAnswer,
    InspectionStatus,
    Lead,
    LeadPool,
    LeadSettings,
    LeadStatus,
    LostReason,
    QualitySettings,
    Ruling,
    Scorecard,
    Source,
    Strategy,
    Verdict,
)
from leads.permissions import can_correct_ruling, can_inspect, can_rule, is_marketing
from leads.selectors import my_leads
from leads.services import rule_conditions_validate, rule_matches


def seed_leads() -> str:
    out = io.StringIO()
    call_command("seed_demo_leads", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    call_command("seed_demo", stdout=io.StringIO())
    return seed_leads()


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (Source, Campaign, LostReason, LeadPool, AssignmentRule, Lead,
                          Assignment, FollowUp, Notification, QualitySettings, DisputeCap,
                          Scorecard, Criterion, Dispute, Ruling, Inspection, InspectionAnswer)}


@pytest.mark.django_db
def test_demo_leads_cover_every_source_and_state(seeded):
    now = timezone.now()
    assert "Demo leads created" in seeded
    leads = Lead.objects.all()
    assert 70 <= leads.count() <= 90
    for name in SOURCE_NAMES:
        assert leads.filter(source__name=name).exists(), name
    assert Campaign.objects.filter(name="双十一推广", spend=80000, currency="CNY").exists()
    # Every lead is someone's, waits in a pool or is closed: none is stuck unassigned.
    assert not leads.filter(owner__isnull=True, pool__isnull=True,
                            status__in=OPEN_STATUSES).exists()
    assert not leads.filter(owner__isnull=False, pool__isnull=False).exists()
    for status in (LeadStatus.ASSIGNED, LeadStatus.CONTACTED, LeadStatus.QUALIFIED,
                   LeadStatus.WON, LeadStatus.LOST):
        assert leads.filter(status=status).exists(), status
    assert not leads.filter(status=LeadStatus.WON, won_value__isnull=True).exists()
    assert not leads.filter(status=LeadStatus.LOST).filter(
        Q(lost_reason__isnull=True) | Q(lost_reason__recycle=True)).exists()
    # Recycled leads wait in the pools, the east team's and the company's.
    pooled = leads.filter(pool__isnull=False)
    assert pooled.count() >= 3
    assert not pooled.filter(pooled_at__isnull=True).exists()
    assert LeadSettings.objects.get().default_pool.name == "公司公海"
    # Duplicates are linked to an earlier lead with the same phone, and go to its owner.
    duplicates = leads.filter(duplicate_of__isnull=False).select_related("duplicate_of")
    assert 2 <= duplicates.count() <= 3
    for duplicate in duplicates:
        assert duplicate.phone == duplicate.duplicate_of.phone
        assert duplicate.created_at > duplicate.duplicate_of.created_at
    for lead in leads:
        assert lead.phone.startswith("+861") and len(lead.phone) == 14, lead.phone
        assert phonenumbers.is_valid_number(phonenumbers.parse(lead.phone)), lead.phone
        assert lead.external_id.startswith("demo-")
        assert lead.created_at <= now
    # "My leads" of the showcase logins has open leads and red rows.
    for username in ("yanglei", "wangfang"):
        user = User.objects.get(username=username)
        mine = my_leads(user=user)
        assert mine.count() >= 4, username
        assert mine.filter(deadline__lte=now).count() >= 2, username
        # Red rows: overdue for first contact.
        assert mine.filter(status=LeadStatus.ASSIGNED, first_contacted_at__isnull=True,
                           first_contact_due_at__lte=now).exists(), username
    # Some leads are due soon rather than overdue.
    assert Lead.objects.filter(status=LeadStatus.ASSIGNED, first_contact_due_at__gt=now).exists()


@pytest.mark.django_db
def test_rules_follow_ups_and_histories_are_consistent(seeded):
    now = timezone.now()
    follow_ups = FollowUp.objects.select_related("lead")
    assert follow_ups.count() >= 30
    assert follow_ups.filter(notes__contains="客户").exists()
    for follow_up in follow_ups:
        lead = follow_up.lead
        # Written by the owner of the time, after the lead was assigned to them.
        assert Assignment.objects.filter(lead=lead, to_user=follow_up.author,
                                         created_at__lte=follow_up.created_at).exists()
        assert lead.created_at <= follow_up.created_at <= now
    worked = Lead.objects.filter(status__in=[LeadStatus.CONTACTED, LeadStatus.QUALIFIED],
                                 owner__isnull=False)
    assert worked.filter(next_step_due_at__gt=now).exists()
    assert worked.filter(next_step_due_at__lte=now).exists()
    assert not Assignment.objects.filter(created_at__gt=now).exists()
    # The rules, written through rule_save, and every lead assigned by one that matches it.
    rules = {rule.name: rule for rule in AssignmentRule.objects.all()}
    assert set(rules) == {"华东地区", "华南地区", "华北地区", "其他地区"}
    for rule in rules.values():
        rule_conditions_validate(rule.conditions)
    east = rules["华东地区"]
    assert east.strategy == Strategy.ROUND_ROBIN and east.first_contact_sla_minutes == 30
    assert east.recycle_pool.team.name == "华东组" and east.recycle_after_idle_days == 14
    assert {m.user.username: m.weight for m in rules["华南地区"].members.all()}["huangyong"] > 1
    assert rules["华北地区"].daily_cap == 20
    assert max(rules.values(), key=lambda rule: rule.priority).name == "其他地区"
    for lead in Lead.objects.filter(rule__isnull=False).select_related("rule", "source"):
        assert rule_matches(lead.rule, lead), lead


@pytest.mark.django_db
def test_quality_settings_caps_and_scorecard(seeded):
    assert "Quality:" in seeded
    settings = QualitySettings.objects.get()
    assert settings.blind_review and not settings.pause_clocks_during_dispute
    assert settings.ruling_sla_minutes == 480 and settings.sample_share == 5
    assert (settings.inspection_share, settings.inspection_minimum) == (10, 1)
    assert (settings.low_score_share, settings.double_scoring_share) == (30, 20)
    assert {(cap.source_id, cap.side, cap.max_share) for cap in DisputeCap.objects.all()} == {
        (None, DisputeSide.SALES, 15), (None, DisputeSide.MARKETING, 15)}
    scorecard = Scorecard.objects.get(is_active=True)
    assert scorecard.name == SCORECARD and scorecard.pass_mark == 60
    criteria = list(scorecard.criteria.all())
    assert 4 <= len(criteria) <= 5
    assert {criterion.answer_type for criterion in criteria} == set(AnswerType.values)
    assert sum(criterion.weight for criterion in criteria) == 7


@pytest.mark.django_db
def test_disputes_of_both_sides_in_every_state(seeded):
    now = timezone.now()
    disputes = Dispute.objects.exclude(side=DisputeSide.SAMPLE).select_related(
        "lead", "opened_by")
    assert 6 <= disputes.count() <= 10
    sales = disputes.filter(side=DisputeSide.SALES)
    marketing = disputes.filter(side=DisputeSide.MARKETING)
    assert sales.count() >= 4 and marketing.count() == 2
    assert len({dispute.ground for dispute in sales}) >= 3
    for dispute in disputes:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in dispute.evidence), dispute
        assert dispute.created_at <= now
        for follow_up in dispute.follow_ups.all():
            assert follow_up.lead_id == dispute.lead_id
            assert follow_up.created_at <= dispute.created_at
    for dispute in sales:
        # Opened by the rep who owns the lead, after the follow-ups that led to it.
        assert dispute.opened_by_id == dispute.lead.owner_id
        assert dispute.follow_ups.exists()
    for dispute in marketing:
        assert is_marketing(dispute.opened_by)
        assert dispute.lead.lost_reason_id is not None  # a lead sales gave up on
    # Ruled ones: by an adjudicator, within their deadline, some valid and some invalid.
    ruled = disputes.filter(status=DisputeStatus.RULED)
    assert ruled.count() == 4
    firsts = Ruling.objects.filter(dispute__in=ruled, supersedes__isnull=True)
    assert firsts.count() == 4
    for ruling in firsts.select_related("dispute", "ruled_by"):
        assert can_rule(ruling.ruled_by)
        assert ruling.dispute.created_at < ruling.created_at <= ruling.dispute.due_at
        assert ruling.note
        assert ruling.dispute.ruled_at == ruling.created_at
    assert {ruling.verdict for ruling in firsts} == {Verdict.VALID, Verdict.INVALID}
    assert firsts.filter(dispute__side=DisputeSide.SALES, verdict=Verdict.INVALID).exists()
    assert not firsts.filter(verdict=Verdict.INVALID, reason="").exists()
    # One ruling corrected by the quality head, who is no adjudicator.
    correction = Ruling.objects.select_related("supersedes", "ruled_by").get(
        supersedes__isnull=False)
    assert can_correct_ruling(correction.ruled_by) and not can_rule(correction.ruled_by)
    assert correction.created_at > correction.supersedes.created_at
    assert correction.note and correction.verdict != correction.supersedes.verdict
    assert correction.dispute.lead.quality_verdict == correction.verdict
    # Open: one overdue (red in the queue, and the quality heads were told), the rest due soon.
    open_disputes = disputes.filter(status=DisputeStatus.OPEN)
    overdue = open_disputes.get(due_at__lte=now)
    assert overdue.escalated_at is not None and overdue.escalated_at <= now
    assert open_disputes.filter(due_at__gt=now).count() >= 2
    assert not open_disputes.filter(rulings__isnull=False).exists()


@pytest.mark.django_db
def test_the_daily_sample_was_drawn(seeded):
    now = timezone.now()
    samples = Dispute.objects.filter(side=DisputeSide.SAMPLE)
    assert samples.exists()
    assert not samples.filter(opened_by__isnull=False).exists()
    assert samples.filter(created_at__lte=now).count() == samples.count()
    # What would be overdue by now was ruled; nothing sampled waits past its deadline.
    assert not samples.filter(status=DisputeStatus.OPEN, due_at__lte=now).exists()
    for sample in samples.filter(status=DisputeStatus.RULED):
        ruling = sample.rulings.get()
        assert can_rule(ruling.ruled_by) and sample.created_at < ruling.created_at <= now


@pytest.mark.django_db
def test_inspections_scored_and_waiting(seeded):
    now = timezone.now()
    inspections = Inspection.objects.select_related("follow_up__lead", "inspector")
    done = inspections.filter(status=InspectionStatus.DONE)
    pending = inspections.filter(status=InspectionStatus.PENDING)
    assert done.exists() and pending.exists()
    assert len(set(inspections.values_list("drawn_on", flat=True))) == 3
    criteria = Scorecard.objects.get(name=SCORECARD).criteria.count()
    for inspection in done:
        assert can_inspect(inspection.inspector)
        assert inspection.created_at <= inspection.scored_at <= now
        assert InspectionAnswer.objects.filter(inspection=inspection).count() == criteria
        assert inspection.passed == (inspection.score >= 60)
        assert inspection.findings
    assert done.filter(passed=True).exists() and done.filter(passed=False).exists()
    # Double-scored follow-ups: the second scoring by another inspector.
    seconds = done.filter(round=2)
    assert seconds.exists()
    for second in seconds:
        first = Inspection.objects.get(follow_up=second.follow_up, round=1)
        assert first.status == InspectionStatus.DONE
        assert first.inspector_id != second.inspector_id
    # At most one follow-up flagged not genuine, on a lead that stays contacted.
    flagged = FollowUp.objects.filter(not_genuine=True).select_related("lead")
    assert flagged.count() <= 1
    for follow_up in flagged:
        assert follow_up.lead.first_contacted_at is not None
        assert FollowUp.objects.filter(lead=follow_up.lead, not_genuine=False).exists()
        assert done.filter(follow_up=follow_up, round=1, not_genuine=True, passed=False).exists()


@pytest.mark.django_db
def test_second_run_changes_nothing(seeded):
    before = row_counts()
    assert before["Dispute"] and before["Inspection"] and before["Ruling"]
    output = seed_leads()
    assert "already seeded" in output
    assert row_counts() == before


@pytest.mark.django_db
def test_without_the_demo_organisation_it_says_to_run_seed_demo():
    with pytest.raises(CommandError, match="seed_demo"):
        seed_leads()
    assert not Lead.objects.exists()
    assert not Source.objects.exists()
    assert not Scorecard.objects.exists() and not Dispute.objects.exists()

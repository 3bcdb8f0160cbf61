"""Quality inspection: the stratified daily sample, scorecard arithmetic, double scoring and
agreement, follow-ups flagged not genuine."""

import datetime
from decimal import Decimal

import pytest

from coordination.core.errors import ApplicationError
from coordination.core.org.models import DepartmentKind
from leads.models import (
    Criterion,
    FollowUp,
    Inspection,
    InspectionStatus,
    Lead,
    LeadStatus,
    QualitySettings,
    Scorecard,
)
from leads.services import (
    inspection_agreement,
    inspection_score,
    inspections_draw,
    leads_sweep_first_contact,
    scorecard_score,
)
from tests.factories import DepartmentFactory, LeadFactory, member, rule_with_reps
from tests.leads.conftest import TUESDAY_10

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 24)


@pytest.fixture
def scorecard():
    card = Scorecard.objects.create(name="跟进质检", pass_mark=Decimal("60"))
    Criterion.objects.create(scorecard=card, position=1, label="开场白规范", weight=2,
                             answer_type="score", min_score=0, max_score=5)
    Criterion.objects.create(scorecard=card, position=2, label="确认客户需求", weight=1,
                             answer_type="yes_no")
    Criterion.objects.create(scorecard=card, position=3, label="下一步明确", weight=1,
                             answer_type="choice", choices=[
                                 {"label": "明确", "points": 1}, {"label": "模糊", "points": 0.5},
                                 {"label": "没有", "points": 0}])
    return card


@pytest.fixture
def inspectors():
    quality = DepartmentFactory(kind=DepartmentKind.QUALITY)
    return [member(department=quality, is_inspector=True) for _ in range(2)]


def answers_for(card, score, yes, choice):
    criteria = list(card.criteria.order_by("position"))
    return {criteria[0].pk: score, criteria[1].pk: yes, criteria[2].pk: choice}


def follow_ups(rep, source, channels, day=TUESDAY_10):
    made = []
    for channel in channels:
        lead = LeadFactory(source=source, owner=rep, status=LeadStatus.CONTACTED,
                           first_contacted_at=day)
        follow_up = FollowUp.objects.create(lead=lead, author=rep, channel=channel,
                                            outcome="reached", notes="沟通需求")
        FollowUp.objects.filter(pk=follow_up.pk).update(created_at=day)
        made.append(follow_up)
    return made


def test_scorecard_arithmetic(scorecard):
    # (4/5 x 2 + 1 x 1 + 0.5 x 1) / 4 = 0.775 -> 77.50
    score, rows = scorecard_score(scorecard=scorecard,
                                  answers=answers_for(scorecard, 4, "yes", "模糊"))
    assert score == Decimal("77.50")
    assert [row[2] for row in rows] == [Decimal("0.8"), Decimal(1), Decimal("0.5")]
    score, _rows = scorecard_score(scorecard=scorecard,
                                   answers=answers_for(scorecard, 0, "no", "没有"))
    assert score == Decimal("0.00")


def test_bad_answers_name_the_criterion(scorecard):
    criterion = scorecard.criteria.order_by("position").first()
    with pytest.raises(ApplicationError) as error:
        scorecard_score(scorecard=scorecard, answers=answers_for(scorecard, 9, "yes", "明确"))
    assert error.value.field == f"criterion_{criterion.pk}"
    with pytest.raises(ApplicationError):
        scorecard_score(scorecard=scorecard, answers={criterion.pk: 3})


def test_daily_draw_takes_the_share_with_a_minimum_and_is_stratified(scorecard, reps, source):
    QualitySettings.objects.update_or_create(pk=1, defaults={
        "inspection_share": Decimal("20"), "inspection_minimum": 1,
        "double_scoring_share": Decimal("0")})
    follow_ups(reps[0], source, ["call"] * 6 + ["wechat"] * 4)   # 10 -> 2: one of each
    follow_ups(reps[1], source, ["visit"] * 2)                     # 2 -> minimum 1
    assert inspections_draw(day=DAY, now=TUESDAY_10, seed=3) == 3
    drawn = Inspection.objects.filter(round=1)
    assert sorted(drawn.filter(follow_up__author=reps[0]).values_list(
        "follow_up__channel", flat=True)) == ["call", "wechat"]
    assert drawn.filter(follow_up__author=reps[1]).count() == 1
    # Idempotent: nothing new on a second run.
    assert inspections_draw(day=DAY, now=TUESDAY_10, seed=4) == 0
    assert Inspection.objects.count() == 3


def test_a_rep_with_low_recent_scores_gets_the_higher_share(scorecard, reps, source,
                                                            inspectors):
    QualitySettings.objects.update_or_create(pk=1, defaults={
        "inspection_share": Decimal("10"), "low_score_share": Decimal("50"),
        "inspection_minimum": 1, "double_scoring_share": Decimal("0")})
    earlier = follow_ups(reps[0], source, ["call"], day=TUESDAY_10 - datetime.timedelta(days=3))
    old = Inspection.objects.create(follow_up=earlier[0], scorecard=scorecard,
                                    drawn_on=DAY - datetime.timedelta(days=3))
    inspection_score(inspection=old, inspector=inspectors[0],
                     answers=answers_for(scorecard, 1, "no", "没有"),
                     now=TUESDAY_10 - datetime.timedelta(days=2))
    follow_ups(reps[0], source, ["call"] * 10)
    follow_ups(reps[1], source, ["call"] * 10)
    inspections_draw(day=DAY, now=TUESDAY_10, seed=5)
    today = Inspection.objects.filter(drawn_on=DAY)
    assert today.filter(follow_up__author=reps[0]).count() == 5
    assert today.filter(follow_up__author=reps[1]).count() == 1


def test_double_scoring_by_two_inspectors_and_their_agreement(scorecard, reps, source,
                                                              inspectors):
    QualitySettings.objects.update_or_create(pk=1, defaults={
        "inspection_share": Decimal("100"), "double_scoring_share": Decimal("100")})
    follow_ups(reps[0], source, ["call", "call"])
    inspections_draw(day=DAY, now=TUESDAY_10, seed=6)
    assert Inspection.objects.filter(round=2).count() == 2
    target = Inspection.objects.filter(round=2).first().follow_up
    first, second = (Inspection.objects.get(follow_up=target, round=r) for r in (1, 2))
    inspection_score(inspection=first, inspector=inspectors[0],
                     answers=answers_for(scorecard, 5, "yes", "明确"))
    with pytest.raises(ApplicationError) as error:
        inspection_score(inspection=second, inspector=inspectors[0],
                         answers=answers_for(scorecard, 5, "yes", "明确"))
    assert error.value.code == "same_inspector"
    inspection_score(inspection=second, inspector=inspectors[1],
                     answers=answers_for(scorecard, 3, "yes", "模糊"))
    agreement = inspection_agreement()
    assert agreement["pairs"] == 1
    assert agreement["same_verdict_rate"] == Decimal(1)
    assert agreement["mean_score_difference"] == Decimal("32.50")  # 100 - 67.50


def test_only_inspectors_score(scorecard, reps, source):
    follow_up = follow_ups(reps[0], source, ["call"])[0]
    inspection = Inspection.objects.create(follow_up=follow_up, scorecard=scorecard,
                                           drawn_on=DAY)
    with pytest.raises(ApplicationError):
        inspection_score(inspection=inspection, inspector=reps[1],
                         answers=answers_for(scorecard, 5, "yes", "明确"))
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.PENDING


def test_a_lead_whose_only_follow_up_is_not_genuine_counts_as_not_contacted(
        scorecard, reps, source, inspectors):
    rule = rule_with_reps(reps)
    follow_up = follow_ups(reps[0], source, ["call"])[0]
    lead = follow_up.lead
    Lead.objects.filter(pk=lead.pk).update(rule=rule)
    inspection = Inspection.objects.create(follow_up=follow_up, scorecard=scorecard,
                                           drawn_on=DAY)
    inspection_score(inspection=inspection, inspector=inspectors[0],
                     answers=answers_for(scorecard, 0, "no", "没有"), findings="无通话记录",
                     not_genuine=True, now=TUESDAY_10)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ASSIGNED
    assert lead.first_contacted_at is None
    assert FollowUp.objects.get(pk=follow_up.pk).not_genuine
    # The reassignment rules apply: the sweep takes it back.
    report = leads_sweep_first_contact(now=TUESDAY_10 + datetime.timedelta(minutes=1))
    assert report.reassigned + report.escalated == 1
    assert Lead.objects.get(pk=lead.pk).owner != reps[0]


def test_a_lead_with_another_genuine_follow_up_stays_contacted(scorecard, reps, source,
                                                               inspectors):
    follow_up = follow_ups(reps[0], source, ["call"])[0]
    FollowUp.objects.create(lead=follow_up.lead, author=reps[0], channel="visit",
                            outcome="reached")
    inspection = Inspection.objects.create(follow_up=follow_up, scorecard=scorecard,
                                           drawn_on=DAY)
    inspection_score(inspection=inspection, inspector=inspectors[0],
                     answers=answers_for(scorecard, 0, "no", "没有"), not_genuine=True)
    assert Lead.objects.get(pk=follow_up.lead_id).status == LeadStatus.CONTACTED


def test_two_draws_of_the_same_day_pick_the_same_follow_ups(scorecard, reps, source):
    QualitySettings.objects.update_or_create(pk=1, defaults={
        "inspection_share": Decimal("30"), "double_scoring_share": Decimal("0")})
    follow_ups(reps[0], source, ["call"] * 10)
    first = inspections_draw(day=DAY, now=TUESDAY_10)
    # A concurrent run that computed its sample before the first wrote: same picks.
    Inspection.objects.all().delete()
    second = inspections_draw(day=DAY, now=TUESDAY_10)
    assert first == second == 3
    assert Inspection.objects.count() == 3


def test_the_double_scored_share_is_of_the_days_whole_draw(scorecard, reps, source):
    QualitySettings.objects.update_or_create(pk=1, defaults={
        "inspection_share": Decimal("10"), "inspection_minimum": 1,
        "double_scoring_share": Decimal("20")})
    for rep in reps:
        follow_ups(rep, source, ["call"] * 3)  # each rep: 1 drawn
    assert inspections_draw(day=DAY, now=TUESDAY_10) == 3
    # 20% of 3 draws rounds up to one second scoring, not one per rep.
    assert Inspection.objects.filter(round=2).count() == 1

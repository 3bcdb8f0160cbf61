"""The funnel figures on the hand-built month of tests/metrics/conftest.py: every expected
figure is counted by hand from the tables there."""

import datetime
from decimal import Decimal

import pytest

from coordination.core.errors import ApplicationError
from coordination.metrics.funnel import Money, Rate, funnel_metrics, trend_buckets
from coordination.metrics.periods import (
    Period,
    last_month,
    period_check,
    this_month,
    this_quarter,
)
from leads.models import FollowUp, Inspection, Lead, Scorecard
from tests.factories import CampaignFactory, LeadFactory, SourceFactory
from tests.metrics.conftest import NOVEMBER, NOW, _dispute, _lead, at

pytestmark = pytest.mark.django_db

# Leads grouped by source, campaign and currency; leads by trend bucket and currency;
# inspections; disputes by side and person.
FUNNEL_QUERIES = 4


def _figures(figures) -> dict:
    return {
        "leads": figures.leads, "valid": figures.valid, "invalid": figures.invalid,
        "won": figures.won, "won_valid": figures.won_valid,
        "valid_rate": figures.valid_rate.value, "conversion": figures.conversion.value,
        "sla": (figures.sla_met, figures.sla_settled, figures.sla_compliance.value),
        "missed": (figures.sla_missed, figures.assigned, figures.first_contact_missed.value),
        "reassignment": (figures.reassigned, figures.assigned,
                         figures.reassignment_rate.value),
        "outcome": figures.outcome,
    }


def test_totals_follow_the_definitions(funnel_data):
    totals = funnel_metrics(period=NOVEMBER, now=NOW).totals

    assert _figures(totals) == {
        # L1..L10; L0 (October) and L11 (December) are out.
        "leads": 10,
        # L3 and L8 ruled invalid.
        "valid": 8, "invalid": 2, "valid_rate": Decimal("0.8"),
        # L1, L5, L8, L10 won; L8 is invalid, so it is not a conversion.
        "won": 4, "won_valid": 3, "conversion": Decimal("0.375"),
        # Met: L1, L3, L5, L8, L10 (contacted exactly at its deadline). Missed: L2 (escalated
        # to the head and then contacted within the head's deadline: still missed), L4 (never
        # contacted, deadline passed), L7 (reassigned), L9 (pooled by the sweep). Settled: the
        # nine met or missed; L6's deadline still runs.
        "sla": (5, 9, Decimal("0.5556")),
        # L2, L4, L7, L9 of the ten assigned leads.
        "missed": (4, 10, Decimal("0.4")),
        # L7 of the ten assigned leads; L2's escalation and L9's pool are not reassignments.
        "reassignment": (1, 10, Decimal("0.1")),
        # The value won from the month's leads, invalid L8 included, per currency, CNY first.
        "outcome": [Money(Decimal("6000.00"), "CNY"), Money(Decimal("500.00"), "USD")],
    }
    assert totals.valid_rate.percent == Decimal("80.0")
    assert totals.conversion.percent == Decimal("37.5")


def test_figures_by_source_and_campaign(funnel_data):
    sources = funnel_metrics(period=NOVEMBER, now=NOW).sources

    assert [source.name for source in sources] == ["A search ads", "B trade fair"]
    source_a, source_b = sources
    assert _figures(source_a.figures) == {
        "leads": 6, "valid": 5, "invalid": 1, "valid_rate": Decimal("0.8333"),
        "won": 2, "won_valid": 2, "conversion": Decimal("0.4"),
        # Met L1, L3, L5; missed L2 (escalated), L4; L6 pending.
        "sla": (3, 5, Decimal("0.6")), "missed": (2, 6, Decimal("0.3333")),
        "reassignment": (0, 6, Decimal("0")),
        "outcome": [Money(Decimal("3000.00"), "CNY")],
    }
    assert _figures(source_b.figures) == {
        "leads": 4, "valid": 3, "invalid": 1, "valid_rate": Decimal("0.75"),
        "won": 2, "won_valid": 1, "conversion": Decimal("0.3333"),
        # Met L8, L10; missed L7 (reassigned), L9 (pooled).
        "sla": (2, 4, Decimal("0.5")), "missed": (2, 4, Decimal("0.5")),
        "reassignment": (1, 4, Decimal("0.25")),
        "outcome": [Money(Decimal("3000.00"), "CNY"), Money(Decimal("500.00"), "USD")],
    }
    a1, a2 = source_a.campaigns
    assert (a1.name, a1.figures.leads, a1.figures.valid, a1.figures.won_valid) == (
        "A1 spring", 4, 3, 1)
    assert a1.figures.conversion.value == Decimal("0.3333")
    # Met L1, L3; missed L2, L4.
    assert (a1.figures.sla_met, a1.figures.sla_settled, a1.figures.sla_compliance.value) == (
        2, 4, Decimal("0.5"))
    assert (a1.figures.sla_missed, a1.figures.first_contact_missed.value) == (2, Decimal("0.5"))
    assert a1.figures.outcome == [Money(Decimal("1000.00"), "CNY")]
    assert (a2.name, a2.figures.leads, a2.figures.valid, a2.figures.won_valid) == (
        "A2 autumn", 2, 2, 1)
    assert a2.figures.sla_compliance == Rate(1, 1)
    assert a2.figures.first_contact_missed == Rate(0, 2)
    # Leads of no campaign come last.
    b1, no_campaign = source_b.campaigns
    assert (b1.name, b1.figures.leads, b1.figures.won_valid) == ("B1 expo", 2, 1)
    assert b1.figures.outcome == [Money(Decimal("500.00"), "USD")]
    assert (b1.figures.sla_compliance, b1.figures.first_contact_missed) == (Rate(1, 2),
                                                                             Rate(1, 2))
    assert (no_campaign.campaign_id, no_campaign.name) == (None, None)
    assert (no_campaign.figures.leads, no_campaign.figures.valid,
            no_campaign.figures.won_valid) == (2, 1, 0)
    assert no_campaign.figures.conversion.value == Decimal("0")
    assert no_campaign.figures.reassignment_rate.value == Decimal("0.5")
    assert (no_campaign.figures.sla_compliance,
            no_campaign.figures.first_contact_missed) == (Rate(1, 2), Rate(1, 2))


def test_inspection_pass_rate_counts_first_rounds_scored_in_the_period(funnel_data):
    # Four passed of five scored (L1, L3, L5, L10 passed, L8 failed); the second opinion, the
    # pending one and October's are out.
    inspections = funnel_metrics(period=NOVEMBER, now=NOW).inspections
    assert (inspections.numerator, inspections.denominator, inspections.value) == (
        4, 5, Decimal("0.8"))


def test_inspection_pass_rate_by_source_and_campaign(funnel_data):
    sources = funnel_metrics(period=NOVEMBER, now=NOW).sources

    inspections = {source.name: (source.inspections, {
        campaign.name: campaign.inspections for campaign in source.campaigns})
        for source in sources}
    assert inspections == {
        # L1, L3 (A1) and L5 (A2) passed.
        "A search ads": (Rate(3, 3), {"A1 spring": Rate(2, 2), "A2 autumn": Rate(1, 1)}),
        # L10 (B1) passed, L8 (no campaign) failed.
        "B trade fair": (Rate(1, 2), {"B1 expo": Rate(1, 1), None: Rate(0, 1)}),
    }
    source_a, source_b = sources
    assert (source_a.inspections.value, source_b.inspections.value) == (
        Decimal("1"), Decimal("0.5"))
    assert source_b.campaigns[1].inspections.value == Decimal("0")
    assert source_b.campaigns[1].inspections.percent == Decimal("0.0")


def test_inspections_of_a_source_without_leads_in_the_period(funnel_data, org):
    """An October lead of a third source, inspected in November: its source and campaign get a
    row with inspections and no lead, and the rows add up to the total."""
    source_c = SourceFactory(name="C referrals")
    campaign = CampaignFactory(source=source_c, name="C1 partners")
    lead = _lead(source_c, campaign, at(10, 20, 9), owner=org.li)
    follow_up = FollowUp.objects.create(lead=lead, author=org.li, channel="call",
                                        outcome="reached")
    Inspection.objects.create(follow_up=follow_up, round=1,
                              scorecard=Scorecard.objects.get(), drawn_on=at(11, 3).date(),
                              status="done", passed=False, score=Decimal("40"),
                              scored_at=at(11, 3, 15), inspector=org.adjudicator)

    funnel = funnel_metrics(period=NOVEMBER, now=NOW)

    assert [source.name for source in funnel.sources] == [
        "A search ads", "B trade fair", "C referrals"]
    source = funnel.sources[2]
    assert (source.figures.leads, source.figures.assigned, source.inspections) == (
        0, 0, Rate(0, 1))
    assert [(c.name, c.figures.leads, c.inspections) for c in source.campaigns] == [
        ("C1 partners", 0, Rate(0, 1))]
    assert funnel.totals.leads == 10
    assert funnel.inspections == Rate(4, 6)
    # With the source filter, only C's.
    only_c = funnel_metrics(period=NOVEMBER, source_id=source_c.pk, now=NOW)
    assert only_c.inspections == Rate(0, 1)
    assert [source.name for source in only_c.sources] == ["C referrals"]


def test_disputes_lost_per_side_follow_the_current_ruling(funnel_data):
    disputes = funnel_metrics(period=NOVEMBER, now=NOW).disputes

    by_side = {tally.side: (tally.opened, tally.ruled, tally.lost, tally.upheld)
               for tally in disputes.sides}
    # Sales: D2 lost; D1 upheld; D3 upheld once its ruling was corrected to invalid.
    # Marketing: D4 lost, D5 upheld, D6 still open. The sample and October's D8 are out.
    assert by_side == {"sales": (3, 3, 1, 2), "marketing": (3, 2, 1, 1)}
    assert [tally.loss_rate.value for tally in disputes.sides] == [
        Decimal("0.3333"), Decimal("0.5")]


def test_disputes_per_person(funnel_data):
    people = funnel_metrics(period=NOVEMBER, now=NOW).disputes.people

    # Most losses first, then most disputes, then by name.
    assert [(p.name, p.side, p.opened, p.ruled, p.lost) for p in people] == [
        ("Lina Chen", "marketing", 2, 2, 1),
        ("Wang Fang", "sales", 2, 2, 1),
        ("Li Lei", "sales", 1, 1, 0),
        ("Zhou Min", "marketing", 1, 0, 0),
    ]
    assert people[1].user_id == funnel_data.org.wang.pk


def test_a_correction_decides_the_loss(funnel_data, org):
    """D2 (sales, ruled valid: lost) corrected to invalid becomes upheld."""
    dispute = funnel_data.disputes["D2"]
    Ruling = dispute.rulings.model
    Ruling.objects.create(dispute=dispute, verdict="invalid", reason="fake",
                          ruled_by=org.adjudicator, supersedes=dispute.rulings.get())
    Lead.objects.filter(pk=dispute.lead_id).update(quality_verdict="invalid")

    funnel = funnel_metrics(period=NOVEMBER, now=NOW)

    sales = next(tally for tally in funnel.disputes.sides if tally.side == "sales")
    assert (sales.lost, sales.upheld) == (0, 3)
    # And L2 now counts as invalid: 7 valid of 10.
    assert funnel.totals.valid_rate.value == Decimal("0.7")


def test_source_filter(funnel_data):
    funnel = funnel_metrics(period=NOVEMBER, source_id=funnel_data.source_a.pk, now=NOW)

    assert [source.name for source in funnel.sources] == ["A search ads"]
    assert (funnel.totals.leads, funnel.totals.valid, funnel.totals.won_valid) == (6, 5, 2)
    # Inspections of follow-ups on A's leads: L1, L3, L5 all passed.
    assert (funnel.inspections.numerator, funnel.inspections.denominator) == (3, 3)
    assert funnel.sources[0].inspections == Rate(3, 3)
    # Disputes on A's leads: D1, D2 (sales), D4, D6 (marketing).
    by_side = {tally.side: (tally.opened, tally.ruled, tally.lost) for tally in
               funnel.disputes.sides}
    assert by_side == {"sales": (2, 2, 1), "marketing": (2, 1, 1)}


def test_the_deadline_running_counts_once_it_has_passed(funnel_data):
    later = funnel_data.leads["L6"].first_contact_due_at + datetime.timedelta(minutes=1)
    totals = funnel_metrics(period=NOVEMBER, now=later).totals
    # L6 joins the settled leads as a miss, before the sweep stamps it.
    assert (totals.sla_met, totals.sla_missed, totals.sla_settled) == (5, 5, 10)
    assert totals.first_contact_missed.value == Decimal("0.5")


def test_empty_period_has_no_rates():
    funnel = funnel_metrics(period=NOVEMBER, now=NOW)

    totals = funnel.totals
    assert (totals.leads, totals.valid, totals.won) == (0, 0, 0)
    assert totals.valid_rate.value is None
    assert totals.conversion.value is None
    assert totals.conversion.percent is None
    assert totals.sla_compliance.value is None
    assert totals.first_contact_missed.value is None
    assert totals.reassignment_rate.value is None
    assert totals.outcome == [Money(Decimal("0.00"), "CNY")]
    assert funnel.inspections.value is None
    assert [(t.side, t.opened, t.loss_rate.value) for t in funnel.disputes.sides] == [
        ("sales", 0, None), ("marketing", 0, None)]
    assert funnel.sources == []
    assert len(funnel.trend.points) == 30


def test_a_lead_never_assigned_is_outside_sla_and_reassignment():
    source = SourceFactory()
    _lead(source, None, at(11, 5, 9))
    totals = funnel_metrics(period=NOVEMBER, now=NOW).totals
    assert (totals.leads, totals.assigned, totals.sla_settled, totals.sla_missed) == (
        1, 0, 0, 0)
    assert totals.reassignment_rate.value is None
    assert totals.first_contact_missed.value is None


# The trend ---------------------------------------------------------------------------------------


def test_daily_trend_of_a_month_in_the_site_time_zone(funnel_data):
    trend = funnel_metrics(period=NOVEMBER, now=NOW).trend

    assert trend.granularity == "day"
    assert [point.bucket for point in trend.points] == [
        datetime.date(2026, 11, day) for day in range(1, 31)]
    by_day = {point.bucket.day: point.figures for point in trend.points}
    # L1 came in at midnight in Shanghai (16:00 UTC the day before) and L2 at 23:59: both on
    # the 1st.
    assert (by_day[1].leads, by_day[1].valid, by_day[1].won_valid) == (2, 2, 1)
    assert by_day[1].outcome == [Money(Decimal("1000.00"), "CNY")]
    assert by_day[1].conversion.value == Decimal("0.5")
    # The 3rd: L4 and L7, neither won.
    assert (by_day[3].leads, by_day[3].conversion.value) == (2, Decimal("0"))
    # The 11th: L8, won but ruled invalid: outcome without conversion.
    assert (by_day[11].leads, by_day[11].valid, by_day[11].valid_rate.value) == (1, 0, 0)
    assert by_day[11].conversion.value is None
    assert by_day[11].outcome == [Money(Decimal("3000.00"), "CNY")]
    # A day without leads is there, empty.
    assert by_day[4].leads == 0 and by_day[4].valid_rate.value is None
    assert sum(point.figures.leads for point in trend.points) == 10


def test_weekly_trend_of_a_quarter(funnel_data):
    quarter = Period(start=datetime.date(2026, 10, 1), end=datetime.date(2027, 1, 1))
    trend = funnel_metrics(period=quarter, now=NOW).trend

    assert trend.granularity == "week"
    buckets = [point.bucket for point in trend.points]
    # Weeks start on Monday: the first is the week of Thursday 1 October.
    assert buckets[0] == datetime.date(2026, 9, 28)
    assert buckets[-1] == datetime.date(2026, 12, 28)
    assert len(buckets) == 14
    by_week = {point.bucket: point.figures for point in trend.points}
    # Monday 26 October - Sunday 1 November: L0, L1, L2.
    assert by_week[datetime.date(2026, 10, 26)].leads == 3
    # L3 came in on Monday 2 November at 00:30 in Shanghai (still Sunday in UTC): its week
    # is the one of 2 November, with L4 and L7.
    assert by_week[datetime.date(2026, 11, 2)].leads == 3
    # L11 on Tuesday 1 December.
    assert by_week[datetime.date(2026, 11, 30)].leads == 1
    assert sum(point.figures.leads for point in trend.points) == 12


def test_monthly_trend_of_a_year(funnel_data):
    year = Period(start=datetime.date(2026, 1, 1), end=datetime.date(2027, 1, 1))
    trend = funnel_metrics(period=year, now=NOW).trend

    assert trend.granularity == "month"
    assert len(trend.points) == 12
    by_month = {point.bucket.month: point.figures for point in trend.points}
    assert (by_month[10].leads, by_month[11].leads, by_month[12].leads) == (1, 10, 1)
    assert by_month[10].outcome == [Money(Decimal("9999.00"), "CNY")]
    assert by_month[1].leads == 0


def test_trend_buckets_by_period_length():
    assert len(trend_buckets(Period(datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)))) == 28
    # 32 days: weekly, from the Monday before.
    weeks = trend_buckets(Period(datetime.date(2026, 11, 1), datetime.date(2026, 12, 3)))
    assert weeks[0] == datetime.date(2026, 10, 26) and len(weeks) == 6


# Periods -----------------------------------------------------------------------------------------


def test_period_presets():
    today = datetime.date(2026, 11, 26)
    assert this_month(today) == Period(datetime.date(2026, 11, 1), datetime.date(2026, 12, 1))
    assert last_month(today) == Period(datetime.date(2026, 10, 1), datetime.date(2026, 11, 1))
    assert this_quarter(today) == Period(datetime.date(2026, 10, 1), datetime.date(2027, 1, 1))
    january = datetime.date(2027, 1, 15)
    assert last_month(january) == Period(datetime.date(2026, 12, 1), datetime.date(2027, 1, 1))
    assert this_quarter(january) == Period(datetime.date(2027, 1, 1), datetime.date(2027, 4, 1))
    assert this_month(datetime.date(2026, 12, 31)).end == datetime.date(2027, 1, 1)


def test_period_bounds_are_midnight_in_shanghai():
    start, end = NOVEMBER.bounds()
    assert start == at(11, 1) and end == at(12, 1)
    assert start.utcoffset() == datetime.timedelta(hours=8)


def test_period_must_end_after_it_starts():
    with pytest.raises(ApplicationError) as raised:
        period_check(start=datetime.date(2026, 11, 2), end=datetime.date(2026, 11, 2))
    assert raised.value.field == "end"
    with pytest.raises(ApplicationError) as raised:
        period_check(start=datetime.date(2000, 1, 1), end=datetime.date(2026, 1, 1))
    assert raised.value.field == "end"


# Queries -----------------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_the_data(funnel_data, org,
                                                 django_assert_num_queries):
    with django_assert_num_queries(FUNNEL_QUERIES):
        funnel_metrics(period=NOVEMBER, now=NOW)

    # Twice the sources, more campaigns, leads, won leads and disputes.
    for index in range(3):
        source = SourceFactory()
        campaign = CampaignFactory(source=source)
        for day in range(1, 6):
            lead = _lead(source, campaign if day % 2 else None, at(11, day + index, 9),
                         status="won", won_value=Decimal("10"))
            _dispute(lead, "sales", org.li, at(11, 20), ["valid"], org.adjudicator)
    LeadFactory.create_batch(5)  # created now: outside November or not, still one query

    with django_assert_num_queries(FUNNEL_QUERIES):
        funnel = funnel_metrics(period=NOVEMBER, now=NOW)
    assert len(funnel.sources) >= 5

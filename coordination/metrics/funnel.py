"""The marketing-sales funnel: the one definition of the figures marketing and sales share.

Marketing owns lead volume, sales owns conversion, and both carry one shared outcome; lead
quality is what the neutral quality department ruled. The scoreboard page, the
`metrics/funnel` API and (later) the daily standup all read these figures from
`funnel_metrics`, so a figure means the same thing wherever it is shown.

Definitions, for a period [start, end) of days in the site time zone. The lead figures follow
the cohort of leads *created* in the period: a lead won or ruled later still counts for the
period it came in, so a period's figures settle as its leads are worked.

- **Lead volume**: leads created in the period.
- **Valid leads**: those not ruled invalid, `quality_verdict != "invalid"` (the current ruling;
  a lead never ruled is valid). **Valid-lead rate** = valid / all.
- **Won leads**: status won. **Conversion** = won valid leads / valid leads (a won lead the
  quality department ruled invalid is counted in the outcome, not in the conversion).
- **Shared outcome**: the value won from the period's leads, per currency
  (`outcome_value_expression`: for now the sum of `won_value` of won leads; the contract value
  net of refunds replaces it there, and only there, once contracts exist).
- **First contact**, of the assigned leads (`assigned_at` set: they got a first-contact
  deadline). It is *missed* when the lead carries the stamp `first_contact_missed_at` (set
  once by the sweep the first time a first-contact deadline of the lead passed uncontacted,
  whatever followed: reassignment, escalation to the head, the pool or a reminder; and set
  when the lead's only follow-ups were judged not genuine), or when the lead was first
  contacted after its current deadline (`first_contacted_at > first_contact_due_at`: late,
  before the sweep came by), or when it is still uncontacted and its current deadline has
  passed at `now` (not yet swept). It is *met* when the lead was first contacted
  (`first_contacted_at` set) and its first contact is not missed. Missed stays missed: a lead
  escalated to the head after a miss and then contacted within the head's new deadline is
  missed, not met. A lead neither met nor missed is *pending*: its deadline still runs, or it
  went to the pool without a miss (which clears the deadline) and awaits a new owner. Manual
  reassignments by a head and reassignments for a missed next step do not make a first
  contact missed. Leads that missed before the stamp existed (migration leads 0008) carry none:
  for them a miss followed by an escalation, the pool or a reminder is not seen.
  - **First-contact SLA compliance** = met / settled, *settled* = met + missed.
  - **First contact missed** = missed / assigned leads.
- **Reassignment rate** = leads reassigned by the sweep at least once after a missed deadline,
  first contact or next step (`reassigned_lead_filter`: `reassignment_count > 0`), / assigned
  leads. Escalations to the head and recycling to the pool are not reassignments (they are in
  "first contact missed" when the missed deadline was the first contact's). What a
  reassignment is lives at the leads floor (`leads.models.REASSIGNMENT_REASONS`,
  `leads.selectors.reassignment_filter`), so that the team board's "reassigned today", which
  may not import this module, counts the same reassignments.
- **Inspection pass rate** = round-1 inspections scored in the period that passed / round-1
  inspections scored in the period (by `scored_at`; `counted_inspection_filter`: round 2 is a
  second opinion on the same follow-up and would count it twice; the team's quality results
  count the same inspections). With a source filter, those of follow-ups on leads of
  that source. By source and by campaign: those of follow-ups on leads of that source or
  campaign, whenever the leads came in; the rows then add up to the total, and a source or
  campaign with inspections in the period but no lead created in it has a row whose lead
  figures are zero.
- **Disputes** (sales and marketing sides; the daily sample claims nothing and is left out):
  disputes *opened* in the period, per side and per person who opened them. A dispute is
  *ruled* once it has a ruling; it is *lost* by its side when its ruling in force (the one no
  correction superseded: `RulingQuerySet.in_force`, read by `ruling_in_force_value`) differs
  from the side's claim (`claim_of`: sales claims invalid, marketing claims valid), *upheld*
  otherwise. Under blind review the quality department must not learn which side opened a
  dispute, nor who: for its readers (`funnel_metrics(with_disputes=False)`) there are no
  dispute figures at all, neither per person nor per side (a per-side count that moves when
  a dispute comes in, is ruled or is corrected would tell the side of that dispute).
- Rates are Decimals rounded to four places, None when the denominator is zero.

Every figure is computed in SQL with conditional aggregates, in four queries whatever the
number of leads, sources and campaigns: leads grouped by source, campaign and currency; leads
grouped by trend bucket and currency; inspections grouped by source and campaign; disputes
grouped by side and person (three without the disputes).
"""

import datetime
import operator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce

from django.db.models import Count, DateField, F, Q, QuerySet, Sum
from django.db.models.functions import Trunc
from django.utils import timezone

from coordination.metrics.periods import Period, site_time_zone
from leads.models import (
    Dispute,
    DisputeSide,
    Inspection,
    Lead,
    LeadStatus,
    Source,
    Verdict,
)
from leads.selectors import (
    counted_inspection_filter,
    reassigned_lead_filter,
    ruling_in_force_value,
)
from leads.services.quality import claim_of

DEFAULT_CURRENCY = "CNY"
RATE_PLACES = Decimal("0.0001")
PERCENT_PLACES = Decimal("0.1")
# The trend's bucket by the period's length: a month by day, a quarter by week, longer by month.
DAILY_UP_TO_DAYS = 31
WEEKLY_UP_TO_DAYS = 183
DISPUTING_SIDES = (DisputeSide.SALES, DisputeSide.MARKETING)


# The shared outcome ------------------------------------------------------------------------------

def lead_outcome_filter() -> Q:
    """The leads whose value counts in the shared outcome."""
    return Q(status=LeadStatus.WON)


def outcome_value_expression() -> Sum:
    """The shared outcome of a group of leads, as an aggregate: the value won from them.

    The one place that says what "value won" is. When contracts (and refunds) exist, this
    becomes the contract value net of refunds, and every figure built on it follows.
    """
    return Sum("won_value", filter=lead_outcome_filter())


def outcome_currency_expression() -> F:
    """The currency of a lead's outcome value, to group the outcome by."""
    return F("won_currency")


# Results -----------------------------------------------------------------------------------------

def ratio(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> Decimal | None:
        return ratio(self.numerator, self.denominator)

    def plus(self, numerator: int, denominator: int) -> "Rate":
        return Rate(self.numerator + numerator, self.denominator + denominator)

    @property
    def percent(self) -> Decimal | None:
        """The rate in percent to one decimal, for pages: 80.0 for 0.8."""
        if not self.denominator:
            return None
        return (Decimal(100 * self.numerator) / Decimal(self.denominator)).quantize(
            PERCENT_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


def _currency_order(currency: str) -> tuple[bool, str]:
    return (currency != DEFAULT_CURRENCY, currency)


@dataclass
class LeadFigures:
    """The lead figures of one group of leads (a campaign, a source, a trend bucket, all)."""

    leads: int = 0
    valid: int = 0
    won: int = 0
    won_valid: int = 0
    sla_met: int = 0
    sla_missed: int = 0
    assigned: int = 0
    reassigned: int = 0
    outcome_by_currency: dict[str, Decimal] = field(default_factory=dict)

    COUNTS = ("leads", "valid", "won", "won_valid", "sla_met", "sla_missed", "assigned",
              "reassigned")

    @classmethod
    def from_row(cls, row: dict) -> "LeadFigures":
        figures = cls(**{name: row[name] for name in cls.COUNTS})
        if row["outcome"] is not None:
            figures.outcome_by_currency[row["currency"]] = row["outcome"]
        return figures

    def add(self, other: "LeadFigures") -> None:
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for currency, amount in other.outcome_by_currency.items():
            self.outcome_by_currency[currency] = (
                self.outcome_by_currency.get(currency, Decimal(0)) + amount)

    @property
    def invalid(self) -> int:
        return self.leads - self.valid

    @property
    def valid_rate(self) -> Rate:
        return Rate(self.valid, self.leads)

    @property
    def conversion(self) -> Rate:
        return Rate(self.won_valid, self.valid)

    @property
    def sla_settled(self) -> int:
        """Assigned leads whose first contact is decided: met or missed."""
        return self.sla_met + self.sla_missed

    @property
    def sla_compliance(self) -> Rate:
        return Rate(self.sla_met, self.sla_settled)

    @property
    def first_contact_missed(self) -> Rate:
        return Rate(self.sla_missed, self.assigned)

    @property
    def reassignment_rate(self) -> Rate:
        return Rate(self.reassigned, self.assigned)

    @property
    def outcome(self) -> list[Money]:
        """The value won, one amount per currency, the default currency first; nothing won
        is zero in the default currency."""
        if not self.outcome_by_currency:
            return [Money(Decimal("0.00"), DEFAULT_CURRENCY)]
        return [Money(self.outcome_by_currency[currency], currency)
                for currency in sorted(self.outcome_by_currency, key=_currency_order)]

    def outcome_in(self, currency: str) -> Decimal:
        return self.outcome_by_currency.get(currency, Decimal("0.00"))


@dataclass
class CampaignFigures:
    campaign_id: int | None
    name: str | None
    figures: LeadFigures
    inspections: Rate = Rate(0, 0)


@dataclass
class SourceFigures:
    source_id: int
    name: str
    figures: LeadFigures
    campaigns: list[CampaignFigures]
    inspections: Rate = Rate(0, 0)


@dataclass(frozen=True)
class DisputeTally:
    side: str
    opened: int
    ruled: int
    lost: int

    @property
    def side_label(self) -> str:
        return DisputeSide(self.side).label

    @property
    def upheld(self) -> int:
        return self.ruled - self.lost

    @property
    def loss_rate(self) -> Rate:
        return Rate(self.lost, self.ruled)


@dataclass(frozen=True)
class PersonTally(DisputeTally):
    user_id: int | None = None
    name: str = ""


@dataclass(frozen=True)
class DisputeFigures:
    sides: list[DisputeTally]
    people: list[PersonTally]


@dataclass(frozen=True)
class TrendPoint:
    bucket: datetime.date
    figures: LeadFigures


@dataclass(frozen=True)
class Trend:
    granularity: str  # "day", "week" or "month"
    points: list[TrendPoint]


@dataclass(frozen=True)
class Funnel:
    period: Period
    source_id: int | None
    now: datetime.datetime
    totals: LeadFigures
    sources: list[SourceFigures]
    inspections: Rate
    disputes: DisputeFigures | None  # None: withheld from a blind reader
    trend: Trend


# Queries -----------------------------------------------------------------------------------------

def _lead_aggregates(now: datetime.datetime) -> dict:
    """The lead figures of a group as conditional aggregates (definitions in the module doc)."""
    valid = ~Q(quality_verdict=Verdict.INVALID)
    won = Q(status=LeadStatus.WON)
    assigned = Q(assigned_at__isnull=False)
    reassigned = reassigned_lead_filter()
    # Met and missed are disjoint, and both written without negation: a negated comparison
    # with a NULL deadline would be NULL, and drop the lead from both.
    missed = assigned & (
        Q(first_contact_missed_at__isnull=False)  # stamped by the sweep or the inspection
        | Q(first_contacted_at__gt=F("first_contact_due_at"))  # late, before the sweep came by
        | Q(first_contacted_at__isnull=True, first_contact_due_at__lte=now)  # not yet swept
    )
    met = assigned & Q(first_contacted_at__isnull=False, first_contact_missed_at__isnull=True) & (
        Q(first_contact_due_at__isnull=True)  # contacted with no clock running
        | Q(first_contacted_at__lte=F("first_contact_due_at")))
    return {
        "leads": Count("pk"),
        "valid": Count("pk", filter=valid),
        "won": Count("pk", filter=won),
        "won_valid": Count("pk", filter=won & valid),
        "sla_met": Count("pk", filter=met),
        "sla_missed": Count("pk", filter=missed),
        "assigned": Count("pk", filter=assigned),
        "reassigned": Count("pk", filter=assigned & reassigned),
        "outcome": outcome_value_expression(),
    }


def _period_leads(period: Period, source_id: int | None) -> QuerySet[Lead]:
    start, end = period.bounds()
    leads = Lead.objects.filter(created_at__gte=start, created_at__lt=end)
    if source_id is not None:
        leads = leads.filter(source_id=source_id)
    return leads.order_by()


def _group(sources: dict[int, SourceFigures],
           campaigns: dict[tuple[int, int | None], CampaignFigures],
           source_id: int, source_name: str, campaign_id: int | None,
           campaign_name: str | None) -> tuple[SourceFigures, CampaignFigures]:
    """The row of a source and of one of its campaigns, made empty the first time."""
    source = sources.get(source_id)
    if source is None:
        source = sources[source_id] = SourceFigures(source_id, source_name, LeadFigures(), [])
    key = (source_id, campaign_id)
    campaign = campaigns.get(key)
    if campaign is None:
        campaign = campaigns[key] = CampaignFigures(campaign_id, campaign_name, LeadFigures())
        source.campaigns.append(campaign)
    return source, campaign


def _by_source(leads: QuerySet[Lead], inspection_rows: list[dict], now: datetime.datetime
               ) -> tuple[LeadFigures, list[SourceFigures], Rate]:
    """The lead figures in total and by source and campaign, with the inspections of each
    source and campaign and their total."""
    # Grouped by currency too: each lead has one, so the counts of a campaign are the sums over
    # its currencies, and the outcome comes out per currency in the same query.
    rows = (leads.values("source_id", "source__name", "campaign_id", "campaign__name",
                         currency=outcome_currency_expression())
            .annotate(**_lead_aggregates(now)))
    totals = LeadFigures()
    inspections = Rate(0, 0)
    sources: dict[int, SourceFigures] = {}
    campaigns: dict[tuple[int, int | None], CampaignFigures] = {}
    for row in rows:
        figures = LeadFigures.from_row(row)
        totals.add(figures)
        source, campaign = _group(sources, campaigns, row["source_id"], row["source__name"],
                                  row["campaign_id"], row["campaign__name"])
        source.figures.add(figures)
        campaign.figures.add(figures)
    for row in inspection_rows:
        # A source or campaign may have inspections in the period and no lead created in it.
        source, campaign = _group(sources, campaigns, row["source_id"], row["source_name"],
                                  row["campaign_id"], row["campaign_name"])
        source.inspections = source.inspections.plus(row["passed"], row["scored"])
        campaign.inspections = campaign.inspections.plus(row["passed"], row["scored"])
        inspections = inspections.plus(row["passed"], row["scored"])
    ordered = sorted(sources.values(), key=lambda source: source.name)
    for source in ordered:
        # Leads of no campaign last.
        source.campaigns.sort(key=lambda campaign: (campaign.name is None, campaign.name or ""))
    return totals, ordered, inspections


def trend_granularity(period: Period) -> str:
    if period.days <= DAILY_UP_TO_DAYS:
        return "day"
    if period.days <= WEEKLY_UP_TO_DAYS:
        return "week"
    return "month"


def _bucket_start(day: datetime.date, granularity: str) -> datetime.date:
    if granularity == "week":
        return day - datetime.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def _next_bucket(bucket: datetime.date, granularity: str) -> datetime.date:
    if granularity == "week":
        return bucket + datetime.timedelta(days=7)
    if granularity == "month":
        return (bucket + datetime.timedelta(days=32)).replace(day=1)
    return bucket + datetime.timedelta(days=1)


def trend_buckets(period: Period) -> list[datetime.date]:
    """Every bucket of the period, empty ones included, each named by its first day (a week
    by its Monday, which may fall before the period's start)."""
    granularity = trend_granularity(period)
    buckets = []
    bucket = _bucket_start(period.start, granularity)
    while bucket < period.end:
        buckets.append(bucket)
        bucket = _next_bucket(bucket, granularity)
    return buckets


def _trend(leads: QuerySet[Lead], period: Period, now: datetime.datetime) -> Trend:
    granularity = trend_granularity(period)
    rows = (leads.annotate(bucket=Trunc("created_at", granularity, output_field=DateField(),
                                        tzinfo=site_time_zone()))
            .values("bucket", currency=outcome_currency_expression())
            .annotate(**_lead_aggregates(now)))
    by_bucket = {bucket: LeadFigures() for bucket in trend_buckets(period)}
    for row in rows:
        by_bucket.setdefault(row["bucket"], LeadFigures()).add(LeadFigures.from_row(row))
    return Trend(granularity=granularity,
                 points=[TrendPoint(bucket, figures)
                         for bucket, figures in sorted(by_bucket.items())])


def _inspections(period: Period, source_id: int | None) -> list[dict]:
    """The round-1 inspections scored in the period, scored and passed, grouped by the source
    and campaign of the lead of the inspected follow-up: one query."""
    start, end = period.bounds()
    inspections = Inspection.objects.filter(counted_inspection_filter(),
                                            scored_at__gte=start, scored_at__lt=end)
    if source_id is not None:
        inspections = inspections.filter(follow_up__lead__source_id=source_id)
    return list(inspections.values(source_id=F("follow_up__lead__source_id"),
                                   source_name=F("follow_up__lead__source__name"),
                                   campaign_id=F("follow_up__lead__campaign_id"),
                                   campaign_name=F("follow_up__lead__campaign__name"))
                .annotate(scored=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
                .order_by())


def dispute_lost_filter() -> Q:
    """Disputes whose current ruling differs from what their side claimed. Needs the
    `verdict` annotation of `ruling_in_force_value("verdict")`."""
    return reduce(operator.or_, (
        Q(side=side, verdict__in=[verdict for verdict in Verdict.values
                                  if verdict != claim_of(side)])
        for side in DISPUTING_SIDES))


def _disputes(period: Period, source_id: int | None) -> DisputeFigures:
    start, end = period.bounds()
    disputes = Dispute.objects.filter(created_at__gte=start, created_at__lt=end,
                                      side__in=DISPUTING_SIDES)
    if source_id is not None:
        disputes = disputes.filter(lead__source_id=source_id)
    rows = (disputes.annotate(verdict=ruling_in_force_value("verdict"))
            .values("side", "opened_by_id", "opened_by__full_name", "opened_by__username")
            .annotate(opened=Count("pk"), ruled=Count("pk", filter=Q(verdict__isnull=False)),
                      lost=Count("pk", filter=dispute_lost_filter()))
            .order_by())
    people = []
    sides = {side: [0, 0, 0] for side in DISPUTING_SIDES}
    for row in rows:
        counts = sides[row["side"]]
        counts[0] += row["opened"]
        counts[1] += row["ruled"]
        counts[2] += row["lost"]
        people.append(PersonTally(
            side=row["side"], opened=row["opened"], ruled=row["ruled"], lost=row["lost"],
            user_id=row["opened_by_id"],
            name=row["opened_by__full_name"] or row["opened_by__username"] or ""))
    people.sort(key=lambda person: (-person.lost, -person.opened, person.name))
    return DisputeFigures(
        sides=[DisputeTally(side, *counts) for side, counts in sides.items()], people=people)


def funnel_source_choices() -> list[tuple[int, str]]:
    """The sources the funnel may be narrowed to, by name: every source, active or not, since
    a past period may hold leads of a source no longer in use."""
    return list(Source.objects.order_by("name").values_list("pk", "name"))


def funnel_metrics(*, period: Period, source_id: int | None = None,
                   now: datetime.datetime | None = None, with_disputes: bool = True) -> Funnel:
    """The funnel figures of `period`, for one source or all, with their trend.

    Guarantees: the figures follow the definitions of this module's docstring; four queries
    whatever the data (three without the disputes); Decimal arithmetic; rates None on a zero
    denominator; `now` (default: the current time) only decides which first-contact deadlines
    have passed. `with_disputes=False` leaves `disputes` None: for a blind reader, see
    `coordination.metrics.permissions.can_view_dispute_figures`.
    """
    now = now or timezone.now()
    leads = _period_leads(period, source_id)
    totals, sources, inspections = _by_source(leads, _inspections(period, source_id), now)
    return Funnel(
        period=period, source_id=source_id, now=now, totals=totals, sources=sources,
        inspections=inspections,
        disputes=_disputes(period, source_id) if with_disputes else None,
        trend=_trend(leads, period, now),
    )

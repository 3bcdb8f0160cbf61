"""A hand-built month of leads, disputes and inspections whose figures the tests state by hand.

November 2026 in Shanghai. Ten leads of two sources:

| lead | source/campaign | created (Shanghai) | quality | won      | first contact          |
| ---- | --------------- | ------------------ | ------- | -------- | ---------------------- |
| L1   | A / A1          | 11-01 00:00        | valid   | 1000 CNY | met: in time           |
| L2   | A / A1          | 11-01 23:59        | valid   |          | MISSED, escalated (1)  |
| L3   | A / A1          | 11-02 00:30 (Mon)  | INVALID |          | met: in time           |
| L4   | A / A1          | 11-03 09:00        | valid   |          | MISSED: never (2)      |
| L5   | A / A2          | 11-10 09:00        | valid   | 2000 CNY | met: in time           |
| L6   | A / A2          | 11-20 09:00        | valid   |          | pending: deadline runs |
| L7   | B / -           | 11-03 10:00        | valid   |          | MISSED, reassigned (3) |
| L8   | B / -           | 11-11 09:00        | INVALID | 3000 CNY | met: in time           |
| L9   | B / B1          | 11-24 09:00        | valid   |          | MISSED, pooled (4)     |
| L10  | B / B1          | 11-25 09:00        | valid   | 500 USD  | met: at the deadline   |

Every lead of the month is assigned. (1) Wang's deadline passed uncontacted; the sweep stamped
`first_contact_missed_at` and escalated the lead to the sales head (no reassignment), who then
contacted it within the new deadline: missed all the same. (2) Never contacted, its deadline
long passed, not yet stamped by the sweep. (3) Stamped, reassigned once, then contacted within
the new owner's deadline. (4) Stamped and put in the pool by the sweep, which clears the
deadline.

Outside the month: L0 (A / A1, 10-31 23:59, won 9999 CNY) and L11 (B / B1, 12-01 00:00, won
7777 CNY); they must not count.

Disputes opened in November (D8, in October, must not count; D7 is the daily sample):

| dispute | side      | opened by | lead | rulings                       | outcome for its side |
| ------- | --------- | --------- | ---- | ----------------------------- | -------------------- |
| D1      | sales     | Wang Fang | L3   | invalid                       | upheld               |
| D2      | sales     | Wang Fang | L2   | valid                         | lost                 |
| D3      | sales     | Li Lei    | L8   | valid, corrected to invalid   | upheld               |
| D4      | marketing | Lina Chen | L3   | invalid                       | lost                 |
| D5      | marketing | Lina Chen | L7   | valid                         | upheld               |
| D6      | marketing | Zhou Min  | L6   | (open)                        | -                    |
| D7      | sample    | -         | L5   | valid                         | -                    |
| D8      | sales     | Wang Fang | L0   | valid (opened in October)     | -                    |

Inspections: round 1 scored in November, by the lead of the inspected follow-up:

| lead | source/campaign | passed |
| ---- | --------------- | ------ |
| L1   | A / A1          | yes    |
| L3   | A / A1          | yes    |
| L5   | A / A2          | yes    |
| L8   | B / -           | no     |
| L10  | B / B1          | yes    |

Not counted: a round-2 scoring (of L1's), a pending one (L2) and a round-1 scored on 10-31
23:00 (L0).
"""

import datetime
import zoneinfo
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from coordination.core.org.models import DepartmentKind, Role
from coordination.metrics.periods import Period
from leads.models import (
    Dispute,
    FollowUp,
    Inspection,
    Lead,
    LeadStatus,
    Ruling,
    Scorecard,
)
from tests.factories import (
    CampaignFactory,
    DepartmentFactory,
    LeadFactory,
    LeadPoolFactory,
    SourceFactory,
    UserFactory,
    member,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOVEMBER = Period(start=datetime.date(2026, 11, 1), end=datetime.date(2026, 12, 1))


def at(month, day, hour=0, minute=0, year=2026):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# The moment the figures are taken: decides which first-contact deadlines have passed.
NOW = at(11, 26, 12)


def _lead(source, campaign, created_at, **fields) -> Lead:
    lead = LeadFactory(source=source, campaign=campaign, **fields)
    Lead.objects.filter(pk=lead.pk).update(created_at=created_at)
    lead.refresh_from_db()
    return lead


def _assigned(created_at, *, sla_minutes=30, contacted_after=None, reassigned=0,
              due_at=None, missed=False) -> dict:
    """Fields of a lead assigned a minute after it came in, with its first-contact deadline
    `sla_minutes` later, first contacted `contacted_after` minutes after assignment. `missed`:
    the present owner got it when the sweep found a previous deadline missed, and stamped it."""
    assigned_at = created_at + datetime.timedelta(minutes=1)
    due = due_at if due_at is not None else assigned_at + datetime.timedelta(minutes=sla_minutes)
    fields = {"assigned_at": assigned_at, "first_contact_due_at": due,
              "reassignment_count": reassigned,
              "first_contact_missed_at": assigned_at if missed else None}
    if contacted_after is not None:
        fields["first_contacted_at"] = assigned_at + datetime.timedelta(minutes=contacted_after)
        fields["status"] = LeadStatus.CONTACTED
    else:
        fields["status"] = LeadStatus.ASSIGNED
    return fields


def _won(value, currency="CNY") -> dict:
    return {"status": LeadStatus.WON, "won_value": Decimal(value), "won_currency": currency}


def _dispute(lead, side, opened_by, opened_at, rulings, ruled_by) -> Dispute:
    dispute = Dispute.objects.create(lead=lead, side=side, opened_by=opened_by,
                                     ground="no_intent" if side == "sales" else "",
                                     due_at=opened_at + datetime.timedelta(hours=8),
                                     status="ruled" if rulings else "open")
    Dispute.objects.filter(pk=dispute.pk).update(created_at=opened_at)
    previous = None
    for verdict in rulings:
        previous = Ruling.objects.create(dispute=dispute, verdict=verdict,
                                         reason="fake" if verdict == "invalid" else "",
                                         ruled_by=ruled_by, supersedes=previous)
    if previous is not None:
        Lead.objects.filter(pk=lead.pk).update(quality_verdict=previous.verdict)
    return dispute


@pytest.fixture
def org():
    sales = DepartmentFactory(kind=DepartmentKind.SALES, name="Sales")
    marketing = DepartmentFactory(kind=DepartmentKind.MARKETING, name="Marketing")
    quality = DepartmentFactory(kind=DepartmentKind.QUALITY, name="Quality")
    return SimpleNamespace(
        sales=sales, marketing=marketing, quality=quality,
        wang=member(department=sales, user=UserFactory(username="wang", full_name="Wang Fang")),
        li=member(department=sales, user=UserFactory(username="li", full_name="Li Lei")),
        sales_head=member(department=sales, role=Role.HEAD),
        lina=member(department=marketing, role=Role.HEAD,
                    user=UserFactory(username="lina", full_name="Lina Chen")),
        zhou=member(department=marketing, user=UserFactory(username="zhou", full_name="Zhou Min")),
        adjudicator=member(department=quality, is_adjudicator=True, is_inspector=True),
        executive=member(DepartmentKind.EXECUTIVE, role=Role.EXECUTIVE),
    )


@pytest.fixture
def funnel_data(org):
    source_a = SourceFactory(name="A search ads")
    source_b = SourceFactory(name="B trade fair")
    a1 = CampaignFactory(source=source_a, name="A1 spring")
    a2 = CampaignFactory(source=source_a, name="A2 autumn")
    b1 = CampaignFactory(source=source_b, name="B1 expo")
    pool = LeadPoolFactory()
    # A deadline that is still running whenever the figures are taken (NOW or the clock).
    running = max(NOW, timezone.now()) + datetime.timedelta(days=1)

    def created(month, day, hour=0, minute=0):
        return at(month, day, hour, minute)

    leads = {}
    when = created(11, 1)
    leads["L1"] = _lead(source_a, a1, when, owner=org.wang,
                        **{**_assigned(when, contacted_after=20), **_won("1000")})
    when = created(11, 1, 23, 59)
    # Wang's deadline passed at 11-02 00:30 uncontacted; the sweep stamped the miss and, the
    # rule allowing no reassignment, escalated it to the head (reassignment_count stays 0),
    # whose fresh deadline is 01:00; the head contacted it at 00:50, well within it.
    leads["L2"] = _lead(source_a, a1, when, owner=org.sales_head,
                        **_assigned(when + datetime.timedelta(minutes=30), contacted_after=20,
                                    missed=True))
    when = created(11, 2, 0, 30)
    leads["L3"] = _lead(source_a, a1, when, owner=org.wang, **_assigned(when, contacted_after=5))
    when = created(11, 3, 9)
    leads["L4"] = _lead(source_a, a1, when, owner=org.li, **_assigned(when))
    when = created(11, 10, 9)
    leads["L5"] = _lead(source_a, a2, when, owner=org.li,
                        **{**_assigned(when, contacted_after=10), **_won("2000")})
    when = created(11, 20, 9)
    leads["L6"] = _lead(source_a, a2, when, owner=org.li, **_assigned(when, due_at=running))
    when = created(11, 3, 10)
    # Reassigned after a missed deadline, then contacted within the new owner's deadline.
    leads["L7"] = _lead(source_b, None, when, owner=org.li,
                        **_assigned(when, sla_minutes=24 * 60, contacted_after=60, reassigned=1,
                                    missed=True))
    when = created(11, 11, 9)
    leads["L8"] = _lead(source_b, None, when, owner=org.wang,
                        **{**_assigned(when, contacted_after=29), **_won("3000")})
    when = created(11, 24, 9)
    # Deadline missed at 09:31, and the sweep put it into the pool, which clears the deadline.
    leads["L9"] = _lead(source_b, b1, when, owner=None, pool=pool,
                        **{**_assigned(when), "first_contact_due_at": None,
                           "first_contact_missed_at": at(11, 24, 9, 31)})
    when = created(11, 25, 9)
    leads["L10"] = _lead(source_b, b1, when, owner=org.wang,
                         **{**_assigned(when, contacted_after=30), **_won("500", "USD")})
    # Outside November.
    when = created(10, 31, 23, 59)
    leads["L0"] = _lead(source_a, a1, when, owner=org.wang,
                        **{**_assigned(when, contacted_after=1), **_won("9999")})
    when = created(12, 1)
    leads["L11"] = _lead(source_b, b1, when, owner=org.wang,
                         **{**_assigned(when, contacted_after=1), **_won("7777")})

    judge = org.adjudicator
    disputes = {
        "D1": _dispute(leads["L3"], "sales", org.wang, created(11, 5, 10), ["invalid"], judge),
        "D2": _dispute(leads["L2"], "sales", org.wang, created(11, 6, 10), ["valid"], judge),
        "D3": _dispute(leads["L8"], "sales", org.li, created(11, 12, 10),
                       ["valid", "invalid"], judge),
        "D4": _dispute(leads["L3"], "marketing", org.lina, created(11, 7, 10), ["invalid"],
                       judge),
        "D5": _dispute(leads["L7"], "marketing", org.lina, created(11, 8, 10), ["valid"], judge),
        "D6": _dispute(leads["L6"], "marketing", org.zhou, created(11, 21, 10), [], judge),
        "D7": _dispute(leads["L5"], "sample", None, created(11, 11, 10), ["valid"], judge),
        "D8": _dispute(leads["L0"], "sales", org.wang, created(10, 31, 12), ["valid"], judge),
    }

    scorecard = Scorecard.objects.create(name="Standard")

    def follow_up(lead):
        return FollowUp.objects.create(lead=lead, author=lead.owner or org.wang, channel="call",
                                       outcome="reached")

    def inspect(follow_up, *, passed, scored_at, round=1, done=True):
        return Inspection.objects.create(
            follow_up=follow_up, round=round, scorecard=scorecard,
            drawn_on=(scored_at or NOW).date(), status="done" if done else "pending",
            passed=passed if done else None, score=Decimal("80") if passed else Decimal("40"),
            scored_at=scored_at if done else None, inspector=judge)

    f1, f2, f3 = follow_up(leads["L1"]), follow_up(leads["L3"]), follow_up(leads["L5"])
    f4, f5, f6 = follow_up(leads["L8"]), follow_up(leads["L2"]), follow_up(leads["L0"])
    f7 = follow_up(leads["L10"])
    inspect(f1, passed=True, scored_at=created(11, 2, 10))
    inspect(f2, passed=True, scored_at=created(11, 3, 10))
    inspect(f3, passed=True, scored_at=created(11, 11, 10))
    inspect(f4, passed=False, scored_at=created(11, 12, 10))
    inspect(f7, passed=True, scored_at=created(11, 25, 12))
    inspect(f1, passed=False, scored_at=created(11, 2, 11), round=2)  # second opinion
    inspect(f5, passed=None, scored_at=None, done=False)  # still waiting
    inspect(f6, passed=True, scored_at=created(10, 31, 23))  # October

    for lead in leads.values():
        lead.refresh_from_db()
    return SimpleNamespace(source_a=source_a, source_b=source_b, a1=a1, a2=a2, b1=b1,
                           leads=leads, disputes=disputes, org=org)

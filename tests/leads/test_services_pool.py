"""The lead pool: claims under the pick rules."""

import datetime

import pytest

from coordination.core.errors import ApplicationError
from leads.models import AssignmentReason, Lead, LeadStatus
from leads.services import lead_claim, lead_lose
from tests.factories import LeadFactory, LeadPoolFactory, TeamFactory, member
from tests.leads.conftest import TUESDAY_10

pytestmark = pytest.mark.django_db


def pooled(source, pool, **fields):
    return LeadFactory(source=source, pool=pool, pooled_at=TUESDAY_10 - datetime.timedelta(
        days=30), **fields)


def test_claim_gives_the_lead_with_a_fresh_clock(reps, source):
    pool = LeadPoolFactory()
    lead = pooled(source, pool)
    assignment = lead_claim(lead=lead, user=reps[0], now=TUESDAY_10)
    lead.refresh_from_db()
    assert assignment.reason == AssignmentReason.CLAIM
    assert lead.owner == reps[0]
    assert lead.pool is None
    assert lead.status == LeadStatus.ASSIGNED
    assert lead.first_contact_due_at > TUESDAY_10


def test_second_claimer_is_told_it_is_gone(reps, source):
    lead = pooled(source, LeadPoolFactory())
    lead_claim(lead=lead, user=reps[0], now=TUESDAY_10)
    with pytest.raises(ApplicationError) as error:
        lead_claim(lead=lead, user=reps[1], now=TUESDAY_10)
    assert error.value.code == "already_claimed"
    assert Lead.objects.get(pk=lead.pk).owner == reps[0]


def test_daily_claim_limit(reps, source):
    pool = LeadPoolFactory(daily_claim_limit=2)
    leads = [pooled(source, pool) for _ in range(3)]
    lead_claim(lead=leads[0], user=reps[0], now=TUESDAY_10)
    lead_claim(lead=leads[1], user=reps[0], now=TUESDAY_10)
    with pytest.raises(ApplicationError) as error:
        lead_claim(lead=leads[2], user=reps[0], now=TUESDAY_10)
    assert error.value.code == "daily_limit"
    # Another rep is not affected.
    lead_claim(lead=leads[2], user=reps[1], now=TUESDAY_10)


def test_holding_capacity(reps, source):
    pool = LeadPoolFactory(holding_capacity=2)
    for _ in range(2):
        LeadFactory(source=source, owner=reps[0], status=LeadStatus.CONTACTED)
    with pytest.raises(ApplicationError) as error:
        lead_claim(lead=pooled(source, pool), user=reps[0], now=TUESDAY_10)
    assert error.value.code == "holding_capacity"


def test_previous_owner_waits_for_the_cool_down(reps, source, sales):
    from leads.models import LeadSettings, LostReason

    pool = LeadPoolFactory(cooldown_days=7)
    LeadSettings.objects.update_or_create(pk=1, defaults={"default_pool": pool})
    lead = LeadFactory(source=source, owner=reps[0], status=LeadStatus.CONTACTED,
                       first_contacted_at=TUESDAY_10)
    from leads.models import Assignment

    Assignment.objects.create(lead=lead, to_user=reps[0], reason=AssignmentReason.RULE)
    retry = LostReason.objects.create(code="no-budget-yet", label="暂无预算", recycle=True)
    lead_lose(lead=lead, actor=reps[0], reason=retry, now=TUESDAY_10)
    lead.refresh_from_db()
    assert lead.pool == pool and lead.status == LeadStatus.CONTACTED
    with pytest.raises(ApplicationError) as error:
        lead_claim(lead=lead, user=reps[0], now=TUESDAY_10 + datetime.timedelta(days=6))
    assert error.value.code == "cooldown"
    lead_claim(lead=lead, user=reps[0], now=TUESDAY_10 + datetime.timedelta(days=8))
    assert Lead.objects.get(pk=lead.pk).owner == reps[0]


def test_team_pool_is_closed_to_other_teams(reps, source, sales):
    other_team = TeamFactory(department=sales)
    outsider = member(department=sales, team=other_team)
    lead = pooled(source, LeadPoolFactory(team=reps[0].memberships.get().team))
    with pytest.raises(ApplicationError) as error:
        lead_claim(lead=lead, user=outsider, now=TUESDAY_10)
    assert error.value.code == "not_allowed"
    lead_claim(lead=lead, user=reps[0], now=TUESDAY_10)


def test_non_sales_people_cannot_claim(source):
    marketer = member("marketing")
    with pytest.raises(ApplicationError):
        lead_claim(lead=pooled(source, LeadPoolFactory()), user=marketer, now=TUESDAY_10)

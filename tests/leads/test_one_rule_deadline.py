"""A lead's current deadline, written once (DEADLINE_CLOCKS): the model, the list selectors,
the team board, the sweep and the pages' clock label read the same clock for every status."""

import datetime
import itertools

import pytest
from django.utils import timezone

from coordination.core.org.models import Role
from leads.models import (
    DEADLINE_CLOCKS,
    FIRST_CONTACT_CLOCK,
    NEXT_STEP_CLOCK,
    Lead,
    LeadStatus,
)
from leads.selectors import deadline_expression, overdue_filter, team_board
from leads.services.sweep import FIRST_CONTACT_MISSED
from leads.views.lead import _clock_label
from tests.factories import LeadFactory, member

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def every_kind_of_lead(sales, team):
    """A lead of every status, contacted or not, with both deadlines past, or both ahead."""
    rep = member(department=sales, team=team)
    now = timezone.now()
    leads = []
    for status, contacted, offset in itertools.product(
            LeadStatus.values, (False, True), (-HOUR, HOUR)):
        leads.append(LeadFactory(
            owner=rep, status=status, assigned_at=now - 2 * HOUR,
            first_contacted_at=now - HOUR if contacted else None,
            first_contact_due_at=now + offset, next_step_due_at=now + 2 * offset))
    return {"rep": rep, "now": now, "leads": leads}


def test_the_clocks_are_read_off_the_statuses():
    assert FIRST_CONTACT_CLOCK.statuses == (LeadStatus.ASSIGNED,)
    assert NEXT_STEP_CLOCK.statuses == (LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
    # At most one clock runs on a lead.
    statuses = [status for clock in DEADLINE_CLOCKS for status in clock.statuses]
    assert len(statuses) == len(set(statuses))


def test_the_sql_deadline_is_the_models_deadline(every_kind_of_lead):
    now = every_kind_of_lead["now"]
    annotated = {lead.pk: lead.deadline
                 for lead in Lead.objects.annotate(deadline=deadline_expression())}
    overdue = set(Lead.objects.filter(overdue_filter(now)).values_list("pk", flat=True))
    for lead in every_kind_of_lead["leads"]:
        assert annotated[lead.pk] == lead.current_deadline, (lead.status, lead.first_contacted_at)
        assert (lead.pk in overdue) == lead.is_overdue(now)
    # Both kinds of clock, and leads with none, are in the cast.
    assert {lead.running_clock for lead in every_kind_of_lead["leads"]} == {
        FIRST_CONTACT_CLOCK, NEXT_STEP_CLOCK, None}


def test_the_team_board_counts_the_leads_the_model_calls_overdue(every_kind_of_lead, sales):
    head = member(department=sales, role=Role.HEAD)
    now = every_kind_of_lead["now"]
    rows = {row["pk"]: row for row in team_board(user=head, now=now)}
    overdue = [lead for lead in every_kind_of_lead["leads"] if lead.is_overdue(now)]
    # Assigned and uncontacted (1); contacted and qualified, with or without a first contact
    # on record (4): the next step's clock runs on a worked lead whatever else it carries.
    assert len(overdue) == 5
    assert rows[every_kind_of_lead["rep"].pk]["overdue_leads"] == len(overdue)


def test_the_sweep_takes_the_leads_whose_first_contact_clock_runs(every_kind_of_lead):
    swept = set(Lead.objects.filter(FIRST_CONTACT_MISSED).values_list("pk", flat=True))
    assert swept == {lead.pk for lead in every_kind_of_lead["leads"]
                     if lead.running_clock is FIRST_CONTACT_CLOCK}


def test_the_pages_name_the_clock_that_runs(every_kind_of_lead):
    for lead in every_kind_of_lead["leads"]:
        expected = "First contact" if lead.running_clock is FIRST_CONTACT_CLOCK else "Next step"
        assert _clock_label(lead) == expected

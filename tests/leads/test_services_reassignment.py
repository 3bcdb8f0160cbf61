"""Reassigning a lead by hand: who may (heads of the lead's sales department, team leads within
their team), and to whom (a sales rep who is not away)."""

import pytest

from coordination.core.errors import ApplicationError
from coordination.core.org.models import DepartmentKind, Role
from leads.models import Lead, LeadStatus
from leads.services import lead_reassign_manual
from tests.factories import AbsenceFactory, DepartmentFactory, LeadFactory, TeamFactory, member
from tests.leads.conftest import TUESDAY_10

pytestmark = pytest.mark.django_db


def owned(rep, **fields):
    return LeadFactory(owner=rep, status=LeadStatus.CONTACTED, first_contacted_at=TUESDAY_10,
                       **fields)


def test_a_head_of_another_sales_department_may_not_reassign(reps):
    other_sales = DepartmentFactory(kind=DepartmentKind.SALES)
    other_head = member(department=other_sales, role=Role.HEAD)
    lead = owned(reps[0])
    with pytest.raises(ApplicationError):
        lead_reassign_manual(lead=lead, to_user=reps[1], note="x", actor=other_head)
    assert Lead.objects.get(pk=lead.pk).owner == reps[0]


@pytest.mark.parametrize("kind", [DepartmentKind.MARKETING, DepartmentKind.QUALITY])
def test_a_lead_can_only_be_given_to_a_sales_rep(reps, head, kind):
    outsider = member(kind)
    lead = owned(reps[0])
    with pytest.raises(ApplicationError) as error:
        lead_reassign_manual(lead=lead, to_user=outsider, note="x", actor=head)
    assert error.value.field == "to_user"


def test_a_lead_is_not_given_to_a_rep_who_is_away(reps, head):
    AbsenceFactory(user=reps[1])
    with pytest.raises(ApplicationError) as error:
        lead_reassign_manual(lead=owned(reps[0]), to_user=reps[1], note="x", actor=head)
    assert error.value.code == "absent"


def test_a_team_lead_gives_only_within_the_team(sales, team, reps):
    lead_user = member(department=sales, team=team, role=Role.LEAD)
    elsewhere = member(department=sales, team=TeamFactory(department=sales))
    with pytest.raises(ApplicationError):
        lead_reassign_manual(lead=owned(reps[0]), to_user=elsewhere, note="x", actor=lead_user)
    lead_reassign_manual(lead=owned(reps[0]), to_user=reps[1], note="x", actor=lead_user)

"""Rules found in review: who may reassign or close leads, to whom, duplicates, the sweep
with nobody to escalate to, campaign sources, rule validation."""

import datetime

import pytest

from coordination.core.apikeys.services import api_key_create
from coordination.core.errors import ApplicationError
from coordination.core.notifications.models import Notification
from coordination.core.org.models import DepartmentKind, Role
from leads.models import AssignmentRule, Lead, LeadStatus
from leads.services import (
    catalog_save,
    lead_assign_auto,
    lead_bulk_create,
    lead_create,
    lead_reassign_manual,
    leads_sweep_first_contact,
    rule_conditions_validate,
    rule_save,
)
from tests.factories import (
    AbsenceFactory,
    CampaignFactory,
    DepartmentFactory,
    LeadFactory,
    SourceFactory,
    TeamFactory,
    member,
    rule_with_reps,
)
from tests.leads.conftest import TUESDAY_10

pytestmark = pytest.mark.django_db
LEADS = "/api/v1/leads/"


def owned(rep, **fields):
    return LeadFactory(owner=rep, status=LeadStatus.CONTACTED, first_contacted_at=TUESDAY_10,
                       **fields)


def test_integration_with_write_scope_cannot_win_lose_or_reassign(api_client, reps):
    _key, raw = api_key_create(name="marketing tool", scopes=["leads:read", "leads:write"])
    lead = owned(reps[0])
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    assert api_client.post(f"{LEADS}{lead.pk}/win/", {"value": "9999999"}, format="json",
                           **auth).status_code == 403
    assert api_client.post(f"{LEADS}{lead.pk}/assign/", {"to_user": reps[1].pk, "note": "x"},
                           format="json", **auth).status_code == 403
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED and lead.owner == reps[0]


def test_integration_with_assign_scope_may_reassign_to_a_sales_rep(api_client, reps):
    _key, raw = api_key_create(name="crm", scopes=["leads:read", "leads:write",
                                                   "leads:assign"])
    lead = owned(reps[0])
    response = api_client.post(f"{LEADS}{lead.pk}/assign/", {"to_user": reps[1].pk,
                                                             "note": "客户要求换人"},
                               format="json", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200, response.json()
    assert Lead.objects.get(pk=lead.pk).owner == reps[1]


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


def test_claim_of_a_lead_never_pooled_and_not_visible_is_404(api_client, reps):
    lead = owned(reps[0])
    api_client.force_authenticate(reps[1])
    assert api_client.post(f"{LEADS}{lead.pk}/claim/").status_code == 404


def test_creating_an_existing_lead_one_may_not_see_returns_only_its_id(api_client, reps,
                                                                       source, sales):
    lead = lead_create(source=source, data={"name": "老客户", "phone": "13800000001",
                                            "external_id": "k-1"}).lead
    Lead.objects.filter(pk=lead.pk).update(owner=reps[0], status=LeadStatus.ASSIGNED)
    team_lead = member(department=sales, team=TeamFactory(department=sales), role=Role.LEAD)
    api_client.force_authenticate(team_lead)
    response = api_client.post(LEADS, {"source": source.pk, "name": "x", "phone": "13800000001",
                                       "external_id": "k-1"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"id": lead.pk}


def test_bulk_links_records_sharing_a_phone_within_one_request(source):
    result = lead_bulk_create(source=source, records=[
        {"name": "甲", "phone": "13911110000"}, {"name": "甲(重复)", "phone": "139 1111 0000"},
        {"name": "乙", "email": "yi@example.com"}, {"name": "乙2", "email": "YI@example.com"},
    ])
    first, second, third, fourth = result.created
    second.refresh_from_db()
    fourth.refresh_from_db()
    assert second.duplicate_of_id == first.pk
    assert fourth.duplicate_of_id == third.pk


def test_a_duplicate_of_a_duplicate_links_to_the_original(source):
    original = lead_create(source=source, data={"name": "a", "phone": "13922220000"}).lead
    copy = lead_create(source=source, data={"name": "b", "phone": "13922220000"}).lead
    Lead.objects.filter(pk=original.pk).update(status=LeadStatus.WON)
    third = lead_create(source=source, data={"name": "c", "phone": "13922220000"}).lead
    assert copy.duplicate_of == original
    assert third.duplicate_of == original


def test_sweep_with_no_head_and_no_pool_reminds_the_owner_instead_of_looping(reps, source):
    rule_with_reps(reps[:1], max_reassignments=0)
    lead = LeadFactory(source=source)
    lead_assign_auto(lead_id=lead.pk, now=TUESDAY_10)
    lead.refresh_from_db()
    moment = lead.first_contact_due_at + datetime.timedelta(minutes=1)
    report = leads_sweep_first_contact(now=moment)
    lead.refresh_from_db()
    assert report.reminded == 1
    assert lead.owner == reps[0]
    assert lead.first_contact_due_at > moment
    assert leads_sweep_first_contact(now=moment).reminded == 0
    assert Notification.objects.filter(recipient=reps[0], kind="lead.overdue").count() == 1


def test_a_campaign_cannot_move_to_another_source():
    campaign = CampaignFactory()
    with pytest.raises(ApplicationError) as error:
        catalog_save(instance=campaign, data={"source": SourceFactory()}, actor=None)
    assert error.value.field == "source"


def test_equals_condition_with_a_list_is_refused():
    with pytest.raises(ApplicationError) as error:
        rule_conditions_validate([{"field": "region", "op": "equals", "value": ["上海"]}])
    assert "in" in error.value.message


def test_rule_with_a_zero_next_step_sla_is_refused_by_field():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        rule_save(rule=AssignmentRule(), data={"name": "r", "next_step_sla_minutes": 0},
                  actor=None)
    assert not AssignmentRule.objects.filter(name="r").exists()
    assert "next-step SLA" in str(error.value)

"""The leads admin: leads added through intake, rules checked by the engine's own validators,
one settings row, read-only history, the way to the file import."""

import json

import pytest
from django.urls import reverse

from coordination.audit.models import AuditEvent
from coordination.org.models import DepartmentKind
from leads.models import Assignment, AssignmentRule, Lead, LeadSettings, RulePoolMember
from tests.factories import (
    AssignmentRuleFactory,
    CampaignFactory,
    LeadFactory,
    LeadPoolFactory,
    SourceFactory,
    UserFactory,
    member,
)

pytestmark = pytest.mark.django_db

LEAD_ADD = reverse("admin:leads_lead_add")
RULE_ADD = reverse("admin:leads_assignmentrule_add")


@pytest.fixture
def source():
    return SourceFactory(name="Baidu")


def lead_form(source, **values) -> dict:
    return {"source": source.pk, "campaign": "", "external_id": "", "name": "张三",
            "phone": "", "email": "", "wechat_id": "", "company": "", "region": "",
            "product_interest": "", "attributes": "{}", **values}


# Adding leads ---------------------------------------------------------------------------------


def test_admin_adds_a_lead_through_intake(admin_client, admin_user, source,
                                          django_capture_on_commit_callbacks):
    campaign = CampaignFactory(source=source)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(LEAD_ADD, lead_form(
            source, campaign=campaign.pk, phone="138 0013 8000", email="Zhang@Example.COM",
            external_id="ADM-1"))

    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.phone == "+8613800138000"  # normalised as intake does
    assert lead.email == "zhang@example.com"
    assert lead.campaign == campaign
    assert lead.created_by == admin_user
    assert len(callbacks) == 1  # assignment scheduled after commit, as for every new lead
    assert AuditEvent.objects.filter(verb="lead.created", object_id=str(lead.pk)).count() == 1
    assert response.url == reverse("admin:leads_lead_changelist")


def test_admin_add_links_a_duplicate_like_intake(admin_client, source):
    original = LeadFactory(source=source, phone="+8613800138000")

    admin_client.post(LEAD_ADD, lead_form(source, name="又来了", phone="13800138000"))

    assert Lead.objects.get(name="又来了").duplicate_of == original


def test_admin_add_refuses_an_existing_external_id_on_its_field(admin_client, source):
    LeadFactory(source=source, external_id="X-1")

    response = admin_client.post(LEAD_ADD, lead_form(source, phone="13800138000",
                                                     external_id="X-1"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["external_id"] == ["A lead with this external ID exists for this source."]
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"phone": "12345"}, "phone", "“12345” is not a valid phone number."),
    ({}, "phone", "A lead needs a phone, an e-mail or a WeChat ID."),
    ({"name": "  ", "phone": "13800138000"}, "name", "This field is required."),
])
def test_admin_add_shows_intake_errors_on_the_field(admin_client, source, values, field,
                                                    message):
    response = admin_client.post(LEAD_ADD, lead_form(source, **values))

    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field]
    assert Lead.objects.count() == 0


def test_admin_add_refuses_a_campaign_of_another_source(admin_client, source):
    other = CampaignFactory()

    response = admin_client.post(LEAD_ADD, lead_form(source, phone="13800138000",
                                                     campaign=other.pk))

    assert response.context["adminform"].form.errors["campaign"] == [
        "No such campaign for this source."]


def test_owner_and_status_cannot_be_changed_in_the_admin(admin_client, source):
    rep, other = member(DepartmentKind.SALES), member(DepartmentKind.SALES)
    lead = LeadFactory(source=source, owner=rep, status="assigned")
    url = reverse("admin:leads_lead_change", args=[lead.pk])

    form = admin_client.get(url).context["adminform"].form
    response = admin_client.post(url, {
        **lead_form(source, name="改名", phone="138 0013 8001"), "owner": other.pk,
        "status": "won", "assignments-TOTAL_FORMS": 0, "assignments-INITIAL_FORMS": 0,
        "follow_ups-TOTAL_FORMS": 0, "follow_ups-INITIAL_FORMS": 0})

    assert "owner" not in form.fields and "status" not in form.fields
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.owner, lead.status) == (rep, "assigned")
    assert lead.name == "改名"
    assert lead.phone == "+8613800138001"
    assert AuditEvent.objects.filter(verb="lead.updated", object_id=str(lead.pk)).exists()


def test_lead_history_shows_the_audit_trail(admin_client, source):
    admin_client.post(LEAD_ADD, lead_form(source, phone="13800138000"))
    lead = Lead.objects.get()

    response = admin_client.get(reverse("admin:leads_lead_history", args=[lead.pk]))

    assert 'id="audit-trail"' in response.content.decode()
    assert "lead.created" in response.content.decode()


def test_the_lead_list_links_to_the_file_import(admin_client):
    html = admin_client.get(reverse("admin:leads_lead_changelist")).content.decode()

    assert f'href="{reverse("leads_import:upload")}"' in html
    assert "Import from file" in html


@pytest.mark.parametrize("count", [2, 12])
def test_lead_list_costs_the_same_queries_however_many_leads(admin_client, count,
                                                            django_assert_num_queries):
    pool = LeadPoolFactory()
    for number in range(count):
        campaign = CampaignFactory()
        LeadFactory(source=campaign.source, campaign=campaign,
                    owner=member(DepartmentKind.SALES) if number % 2 else None,
                    pool=None if number % 2 else pool)

    # Session, user; the filter choices for source, owner (those owning leads) and pool; the
    # count for the paginator; whether settings may be added (the sidebar); the page of leads
    # with source, campaign and its source, owner and pool.
    with django_assert_num_queries(8):
        response = admin_client.get(reverse("admin:leads_lead_changelist"))

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count


# Assignment rules -----------------------------------------------------------------------------


def rule_form(**values) -> dict:
    return {"name": "华东", "priority": 10, "is_active": "on", "conditions": "[]",
            "strategy": "round_robin", "daily_cap": "", "first_contact_sla_minutes": 30,
            "next_step_sla_minutes": 1440, "max_reassignments": 2, "on_exhausted": "head",
            "recycle_pool": "", "recycle_after_idle_days": "", "team": "",
            "escalation_ladder": "[]", "members-TOTAL_FORMS": 0, "members-INITIAL_FORMS": 0,
            **values}


def test_rule_form_refuses_bad_conditions_on_the_conditions_field(admin_client):
    response = admin_client.post(RULE_ADD, rule_form(
        conditions=json.dumps([{"field": "colour", "op": "equals", "value": "red"}])))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["conditions"] == ["Condition 1: unknown field “colour”."]
    assert "escalation_ladder" not in errors
    assert AssignmentRule.objects.count() == 0


def test_rule_form_refuses_a_bad_ladder_on_the_ladder_field(admin_client):
    response = admin_client.post(RULE_ADD, rule_form(
        escalation_ladder=json.dumps([{"after_days": 2, "action": "remind"},
                                      {"after_days": 1, "action": "shout"}])))

    errors = response.context["adminform"].form.errors
    assert errors["escalation_ladder"] == [
        "Step 2: the action must be remind, copy_head or reassign."]
    assert AssignmentRule.objects.count() == 0


def test_rule_form_saves_a_valid_rule_with_weighted_reps(admin_client):
    rep = UserFactory()
    response = admin_client.post(RULE_ADD, rule_form(
        conditions=json.dumps([{"field": "region", "op": "in", "value": ["上海", "江苏"]}]),
        escalation_ladder="", strategy="weighted",
        **{"members-TOTAL_FORMS": 1, "members-0-user": rep.pk, "members-0-weight": 3}))

    assert response.status_code == 302
    rule = AssignmentRule.objects.get()
    assert rule.conditions[0]["value"] == ["上海", "江苏"]
    assert rule.escalation_ladder == []  # empty: the default ladder applies
    assert RulePoolMember.objects.get(rule=rule).weight == 3
    assert AuditEvent.objects.filter(verb="assignmentrule.members_changed").count() == 1


def test_rule_change_page_shows_the_json_shapes(admin_client):
    rule = AssignmentRuleFactory()

    html = admin_client.get(reverse("admin:leads_assignmentrule_change",
                                    args=[rule.pk])).content.decode()

    assert "attributes.行业" in html
    assert "copy_head" in html


# Settings and read-only history ---------------------------------------------------------------


def test_lead_settings_is_a_single_row(admin_client):
    assert admin_client.get(reverse("admin:leads_leadsettings_add")).status_code == 200
    settings = LeadSettings.objects.create(duplicate_window_days=30)

    assert admin_client.get(reverse("admin:leads_leadsettings_add")).status_code == 403
    assert admin_client.get(reverse("admin:leads_leadsettings_delete",
                                    args=[settings.pk])).status_code == 403
    response = admin_client.post(reverse("admin:leads_leadsettings_change", args=[settings.pk]),
                                 {"duplicate_window_days": 60, "default_pool": ""})
    assert response.status_code == 302
    settings.refresh_from_db()
    assert settings.duplicate_window_days == 60


def test_assignments_and_follow_ups_are_read_only(admin_client, source):
    lead = LeadFactory(source=source)
    assignment = Assignment.objects.create(lead=lead, reason="manual")

    assert admin_client.get(reverse("admin:leads_assignment_add")).status_code == 403
    assert admin_client.get(reverse("admin:leads_followup_add")).status_code == 403
    page = admin_client.get(reverse("admin:leads_assignment_change", args=[assignment.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_admin_lists_of_settings_models_load(admin_client, source):
    CampaignFactory(source=source)
    LeadPoolFactory()
    AssignmentRuleFactory()
    for name in ["source", "campaign", "leadpool", "lostreason", "leadsettings",
                 "assignmentrule", "assignment", "followup", "leadimport"]:
        assert admin_client.get(reverse(f"admin:leads_{name}_changelist")).status_code == 200

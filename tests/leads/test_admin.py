"""The leads admin: sources, campaigns and rules saved through the API's services with the
API's audit verbs, leads added through intake, one settings row, read-only history, and a link
to the import page for files."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from coordination.core.audit.models import AuditEvent
from coordination.core.org.models import DepartmentKind
from leads.models import (
    Assignment,
    AssignmentRule,
    Campaign,
    Lead,
    LeadSettings,
    RulePoolMember,
    Source,
)
from leads.services.imports import lead_import_create
from tests.factories import (
    AssignmentRuleFactory,
    CampaignFactory,
    LeadFactory,
    LeadPoolFactory,
    SourceFactory,
    UserFactory,
    member,
    rule_with_reps,
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


# Sources and campaigns ------------------------------------------------------------------------


def campaign_form(campaign, **values) -> dict:
    return {"source": campaign.source_id, "name": campaign.name,
            "starts_on": campaign.starts_on.isoformat(), "ends_on": "",
            "spend": str(campaign.spend), "currency": campaign.currency, **values}


def test_a_source_added_in_the_admin_logs_the_api_verb(admin_client):
    response = admin_client.post(reverse("admin:leads_source_add"),
                                 {"name": "抖音", "channel": "social", "is_active": "on"})

    assert response.status_code == 302
    source = Source.objects.get(name="抖音")
    assert list(AuditEvent.objects.filter(object_id=str(source.pk))
                .values_list("verb", flat=True)) == ["source.created"]


def test_editing_a_campaign_in_the_admin_logs_the_same_verb_as_the_api(admin_client,
                                                                      api_client, admin_user):
    campaign = CampaignFactory(spend="100.00")

    response = admin_client.post(reverse("admin:leads_campaign_change", args=[campaign.pk]),
                                 campaign_form(campaign, spend="250.00"))
    api_client.force_authenticate(admin_user)
    api = api_client.patch(f"/api/v1/campaigns/{campaign.pk}/", {"spend": "300"},
                           format="json")

    assert response.status_code == 302
    assert api.status_code == 200
    events = AuditEvent.objects.filter(object_id=str(campaign.pk),
                                       content_type__model="campaign").order_by("id")
    assert [event.verb for event in events] == ["campaign.changed", "campaign.changed"]
    assert (events[0].before["spend"], events[0].after["spend"]) == ("100.00", "250.00")
    assert events[0].actor == admin_user


def test_changing_a_campaigns_source_in_the_admin_is_refused_by_the_service(admin_client):
    campaign = CampaignFactory(name="春季")
    source_id = campaign.source_id

    response = admin_client.post(reverse("admin:leads_campaign_change", args=[campaign.pk]),
                                 campaign_form(campaign, source=SourceFactory().pk, name="夏季"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["source"] == [
        "A campaign's source cannot change."]
    campaign.refresh_from_db()
    assert (campaign.source_id, campaign.name) == (source_id, "春季")
    assert not AuditEvent.objects.filter(content_type__model="campaign").exists()


def test_the_api_refuses_a_campaigns_new_source_with_the_admins_message(api_client,
                                                                       admin_user):
    campaign = CampaignFactory()
    api_client.force_authenticate(admin_user)

    response = api_client.patch(f"/api/v1/campaigns/{campaign.pk}/",
                                {"source": SourceFactory().pk}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "source", "code": "immutable",
                                          "message": "A campaign's source cannot change."}]
    assert Campaign.objects.get().source_id == campaign.source_id


def test_a_new_campaign_may_choose_its_source_and_keeps_the_models_checks(admin_client,
                                                                         source):
    add = reverse("admin:leads_campaign_add")
    values = {"source": source.pk, "name": "双十一", "starts_on": "2026-11-01",
              "spend": "50000.00", "currency": "CNY"}

    refused = admin_client.post(add, {**values, "ends_on": "2026-10-01"})
    response = admin_client.post(add, {**values, "ends_on": "2026-11-11"})

    assert refused.status_code == 200
    assert "A campaign must not end before it starts." in str(
        refused.context["adminform"].form.errors)
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.source == source
    assert AuditEvent.objects.filter(verb="campaign.created",
                                     object_id=str(campaign.pk)).count() == 1


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
    assert AuditEvent.objects.filter(verb="lead.contact_changed", object_id=str(lead.pk)).exists()


def test_lead_history_shows_the_audit_trail(admin_client, source):
    admin_client.post(LEAD_ADD, lead_form(source, phone="13800138000"))
    lead = Lead.objects.get()

    response = admin_client.get(reverse("admin:leads_lead_history", args=[lead.pk]))

    assert 'id="audit-trail"' in response.content.decode()
    assert "lead.created" in response.content.decode()


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
    # One event, the API's, with the reps in it.
    event = AuditEvent.objects.get(object_id=str(rule.pk))
    assert event.verb == "assignment_rule.created"
    assert event.after["reps"] == [{"user_id": rep.pk, "weight": 3}]


def test_changing_a_rules_reps_in_the_admin_logs_the_api_verb(admin_client):
    first, second = UserFactory(), UserFactory()
    rule = rule_with_reps([first], weights=[2], strategy="weighted")
    member_row = RulePoolMember.objects.get(rule=rule)

    response = admin_client.post(
        reverse("admin:leads_assignmentrule_change", args=[rule.pk]),
        rule_form(name=rule.name, priority=rule.priority, strategy="weighted", **{
            "members-TOTAL_FORMS": 2, "members-INITIAL_FORMS": 1,
            "members-0-id": member_row.pk, "members-0-rule": rule.pk,
            "members-0-user": first.pk, "members-0-weight": 2, "members-0-DELETE": "on",
            "members-1-rule": rule.pk, "members-1-user": second.pk, "members-1-weight": 5}))

    assert response.status_code == 302
    assert list(rule.members.values_list("user_id", "weight")) == [(second.pk, 5)]
    event = AuditEvent.objects.get(object_id=str(rule.pk))
    assert event.verb == "assignment_rule.changed"
    assert event.before["reps"] == [{"user_id": first.pk, "weight": 2}]
    assert event.after["reps"] == [{"user_id": second.pk, "weight": 5}]


def test_a_rule_edited_in_the_changelist_goes_through_the_service_and_keeps_its_reps(
        admin_client):
    rep = UserFactory()
    rule = rule_with_reps([rep], weights=[4], priority=10)

    response = admin_client.post(reverse("admin:leads_assignmentrule_changelist"), {
        "form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 1, "form-0-id": rule.pk,
        "form-0-priority": 3, "_save": "Save"})

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.priority, rule.is_active) == (3, False)  # an unticked box is "no"
    assert list(rule.members.values_list("user_id", "weight")) == [(rep.pk, 4)]
    event = AuditEvent.objects.get(object_id=str(rule.pk))
    assert event.verb == "assignment_rule.changed"
    assert (event.before["priority"], event.after["priority"]) == (10, 3)


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
                                 {"duplicate_window_days": 60, "default_pool": "",
                                  "follow_up_notes_min_length": 15, "next_step_max_days": 14})
    assert response.status_code == 302
    settings.refresh_from_db()
    assert settings.duplicate_window_days == 60
    assert (settings.follow_up_notes_min_length, settings.next_step_max_days) == (15, 14)


@pytest.mark.parametrize(("field", "value"), [("follow_up_notes_min_length", 0),
                                              ("next_step_max_days", 0),
                                              ("next_step_max_days", 366)])
def test_lead_settings_refuse_follow_up_rules_out_of_range(admin_client, field, value):
    settings = LeadSettings.objects.create()
    data = {"duplicate_window_days": 90, "default_pool": "", "follow_up_notes_min_length": 10,
            "next_step_max_days": 30, field: value}
    response = admin_client.post(reverse("admin:leads_leadsettings_change", args=[settings.pk]),
                                 data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    settings.refresh_from_db()
    assert (settings.follow_up_notes_min_length, settings.next_step_max_days) == (10, 30)


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


# File import: on the import page -----------------------------------------------------------


def staff(*, kind: str | None = DepartmentKind.MARKETING):
    """A staff user who is not a superuser and may see the admin's lead list."""
    user = member(kind) if kind else UserFactory()
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(Permission.objects.get(content_type__app_label="leads",
                                                     codename="view_lead"))
    return user


def test_the_admins_lead_list_links_to_the_import_page(admin_client):
    html = admin_client.get(reverse("admin:leads_lead_changelist")).content.decode()

    assert f'href="{reverse("leads_import:upload")}" id="lead-import-link"' in html
    assert "Import from file" in html


def test_the_import_link_follows_the_import_pages_rule(client):
    # Marketing may create leads, so may import, with or without the admin's "add lead".
    client.force_login(staff())
    assert 'id="lead-import-link"' in client.get(
        reverse("admin:leads_lead_changelist")).content.decode()
    assert client.get(reverse("leads_import:upload")).status_code == 200

    # A rep may not create leads: no link, and the import page refuses too.
    client.force_login(staff(kind=DepartmentKind.SALES))
    assert 'id="lead-import-link"' not in client.get(
        reverse("admin:leads_lead_changelist")).content.decode()
    assert client.get(reverse("leads_import:upload")).status_code == 403


def test_the_admin_has_no_import_wizard_of_its_own():
    for name in ["import", "import_preview", "import_confirm", "import_cancel"]:
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:leads_lead_{name}", args=[] if name == "import" else [1])


def test_the_import_history_is_read_only_and_leads_to_the_import_page(admin_client,
                                                                       admin_user, source):
    file = SimpleUploadedFile("leads.csv", "姓名,手机\n张三,13800138000\n".encode(),
                              content_type="text/csv")
    lead_import = lead_import_create(source=source, file=file, actor=admin_user)

    listing = admin_client.get(reverse("admin:leads_leadimport_changelist"))
    page = admin_client.get(reverse("admin:leads_leadimport_change", args=[lead_import.pk]))

    assert "leads.csv" in listing.content.decode()
    assert admin_client.get(reverse("admin:leads_leadimport_add")).status_code == 403
    assert 'name="_save"' not in page.content.decode()
    detail = reverse("leads_import:detail", args=[lead_import.pk])
    assert f'href="{detail}" id="lead-import-rows-link"' in page.content.decode()
    assert admin_client.get(detail).status_code == 200

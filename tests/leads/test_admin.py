"""The leads admin: leads added through intake, rules checked by the engine's own validators,
one settings row, read-only history, the file import through the import services."""

import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coordination.core.audit.models import AuditEvent
from coordination.core.org.models import DepartmentKind
from leads.models import (
    Assignment,
    AssignmentRule,
    ImportStatus,
    Lead,
    LeadImport,
    LeadSettings,
    RulePoolMember,
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


def test_the_lead_list_links_to_the_admin_file_import(admin_client):
    html = admin_client.get(reverse("admin:leads_lead_changelist")).content.decode()

    assert f'href="{reverse("admin:leads_lead_import")}" id="lead-import-link"' in html
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


# File import ----------------------------------------------------------------------------------

IMPORT = reverse("admin:leads_lead_import")

GOOD_AND_BAD = ("姓名,手机,外部编号\n"
                "张三,13800138000,A1\n"
                "李四,12345,A2\n"
                "王五,13800138002,A3\n"
                "赵六,13800138003,A4\n")


def csv_file(text: str, name: str = "leads.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_file(rows: list[list], name: str = "leads.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        name, buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def preview_url(lead_import) -> str:
    return reverse("admin:leads_lead_import_preview", args=[lead_import.pk])


def confirm_url(lead_import) -> str:
    return reverse("admin:leads_lead_import_confirm", args=[lead_import.pk])


def cancel_url(lead_import) -> str:
    return reverse("admin:leads_lead_import_cancel", args=[lead_import.pk])


def last_message(response) -> tuple[str, str]:
    """The message a redirect left (earlier ones wait unread: no page was shown in between)."""
    message = list(get_messages(response.wsgi_request))[-1]
    return message.level_tag, str(message)


def staff(*, kind: str | None = DepartmentKind.MARKETING, may_add: bool = True):
    """A staff user who is not a superuser: marketing may create leads, sales reps may not."""
    user = member(kind) if kind else UserFactory()
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    codenames = ["view_lead", *(["add_lead"] if may_add else [])]
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="leads",
                                                         codename__in=codenames))
    return user


def test_admin_upload_shows_a_preview_and_writes_no_lead(admin_client, source):
    LeadFactory(source=source, external_id="A4")

    page = admin_client.get(IMPORT)
    response = admin_client.post(IMPORT, {"source": source.pk, "file": csv_file(GOOD_AND_BAD)})

    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="lead-import-form"' in html
    assert 'enctype="multipart/form-data"' in html
    assert f'<a href="{reverse("admin:leads_lead_changelist")}">Leads</a>' in html
    lead_import = LeadImport.objects.get()
    assert response.status_code == 302
    assert response.url == preview_url(lead_import)
    assert lead_import.status == ImportStatus.PREVIEWED
    assert Lead.objects.count() == 1  # the preview wrote no lead

    preview = admin_client.get(response.url).content.decode()
    assert 'data-count="valid">2<' in preview
    assert 'data-count="existing">1<' in preview
    assert 'data-count="errors">1<' in preview
    assert 'data-count="duplicates">0<' in preview
    assert 'data-row="3" data-kind="error"' in preview
    assert "“12345” is not a valid phone number." in preview
    assert 'data-row="5" data-kind="existing"' in preview
    assert 'value="Import 2 valid rows"' in preview
    assert f'action="{confirm_url(lead_import)}"' in preview
    assert f'action="{cancel_url(lead_import)}"' in preview
    assert Lead.objects.count() == 1


def test_admin_confirm_creates_the_valid_rows_and_they_get_assigned(
        admin_client, admin_user, source, django_capture_on_commit_callbacks):
    rep = member(DepartmentKind.SALES)
    rule_with_reps([rep])
    LeadFactory(source=source, external_id="A4")
    lead_import = lead_import_create(source=source, file=csv_file(GOOD_AND_BAD),
                                     actor=admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(confirm_url(lead_import))

    assert response.status_code == 302
    assert response.url == reverse("admin:leads_lead_changelist")
    assert last_message(response) == (
        "success", "“leads.csv” imported. 2 leads created. 1 already existed and was skipped.")
    created = Lead.objects.filter(external_id__in=["A1", "A3"])
    assert created.count() == 2
    assert {lead.owner for lead in created} == {rep}
    assert {lead.created_by for lead in created} == {admin_user}
    lead_import.refresh_from_db()
    assert (lead_import.status, lead_import.created_count) == (ImportStatus.IMPORTED, 2)


def test_a_second_admin_confirm_creates_nothing_more(admin_client, admin_user, source):
    lead_import = lead_import_create(source=source, file=csv_file(GOOD_AND_BAD),
                                     actor=admin_user)

    admin_client.post(confirm_url(lead_import))
    second = admin_client.post(confirm_url(lead_import))

    assert second.status_code == 302
    assert Lead.objects.count() == 3
    assert last_message(second) == (
        "warning", "This file has already been imported. 3 leads created. "
                   "0 already existed and were skipped.")
    page = admin_client.get(preview_url(lead_import)).content.decode()
    assert 'data-status="imported"' in page
    assert 'id="import-confirm"' not in page


def test_admin_cancel_writes_nothing(admin_client, admin_user, source):
    lead_import = lead_import_create(source=source, file=csv_file(GOOD_AND_BAD),
                                     actor=admin_user)

    response = admin_client.post(cancel_url(lead_import))
    after = admin_client.post(confirm_url(lead_import))

    assert response.status_code == 302
    assert response.url == reverse("admin:leads_lead_changelist")
    assert last_message(response) == (
        "success", "The import of “leads.csv” was cancelled; nothing was imported.")
    assert last_message(after) == ("error", "This import was cancelled. Upload the file again.")
    assert after.url == preview_url(lead_import)
    assert Lead.objects.count() == 0
    lead_import.refresh_from_db()
    assert (lead_import.status, lead_import.rows) == (ImportStatus.CANCELLED, [])


def test_confirm_and_cancel_are_posts(admin_client, admin_user, source):
    lead_import = lead_import_create(source=source, file=csv_file(GOOD_AND_BAD),
                                     actor=admin_user)

    assert admin_client.get(confirm_url(lead_import)).status_code == 405
    assert admin_client.get(cancel_url(lead_import)).status_code == 405
    assert Lead.objects.count() == 0


def test_an_excel_upload_works_in_the_admin(admin_client, source):
    file = xlsx_file([["姓名", "手机", "邮箱"],
                      ["张三", 13800138000, "zhang@example.com"],
                      ["李四", "12345", None]])

    response = admin_client.post(IMPORT, {"source": source.pk, "file": file})
    lead_import = LeadImport.objects.get()
    preview = admin_client.get(response.url).content.decode()
    admin_client.post(confirm_url(lead_import))

    assert lead_import.file_name == "leads.xlsx"
    assert 'data-count="valid">1<' in preview
    assert 'data-row="3" data-kind="error"' in preview
    assert Lead.objects.get().phone == "+8613800138000"


def test_a_file_that_cannot_be_read_shows_the_error_on_the_form(admin_client, source):
    response = admin_client.post(IMPORT, {"source": source.pk,
                                          "file": csv_file("手机\n13800138000\n")})

    assert response.status_code == 200
    assert "no name column" in response.context["form"].errors["file"][0]
    assert 'class="errornote"' in response.content.decode()
    assert LeadImport.objects.count() == 0


def test_staff_without_the_add_lead_permission_may_not_import(client, admin_user, source):
    lead_import = lead_import_create(source=source, file=csv_file(GOOD_AND_BAD),
                                     actor=admin_user)
    client.force_login(staff(may_add=False))

    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"source": source.pk,
                                "file": csv_file(GOOD_AND_BAD)}).status_code == 403
    assert client.get(preview_url(lead_import)).status_code == 403
    assert client.post(confirm_url(lead_import)).status_code == 403
    assert client.post(cancel_url(lead_import)).status_code == 403
    assert 'id="lead-import-link"' not in client.get(
        reverse("admin:leads_lead_changelist")).content.decode()
    assert Lead.objects.count() == 0
    assert LeadImport.objects.count() == 1


def test_staff_who_may_not_create_leads_may_not_import(client, source):
    client.force_login(staff(kind=DepartmentKind.SALES))  # a rep, even with the admin permission

    assert client.get(IMPORT).status_code == 403


def test_only_the_uploader_confirms_a_preview_in_the_admin(client, source):
    uploader, other = staff(), staff()
    lead_import = lead_import_create(source=source, file=csv_file(GOOD_AND_BAD), actor=uploader)
    client.force_login(other)

    page = client.get(preview_url(lead_import))
    confirm = client.post(confirm_url(lead_import))
    cancel = client.post(cancel_url(lead_import))

    assert page.status_code == 200
    assert 'id="import-confirm"' not in page.content.decode()
    assert confirm.status_code == cancel.status_code == 403
    assert Lead.objects.count() == 0
    client.force_login(uploader)
    assert client.post(confirm_url(lead_import)).status_code == 302
    assert Lead.objects.count() == 3


def test_a_marketing_staff_user_imports_through_the_admin(client, source):
    client.force_login(staff())

    response = client.post(IMPORT, {"source": source.pk, "file": csv_file(GOOD_AND_BAD)})
    client.post(confirm_url(LeadImport.objects.get()))

    assert response.status_code == 302
    assert Lead.objects.count() == 3


def test_signed_out_visitors_are_sent_to_the_admin_login(client):
    response = client.get(IMPORT)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("bad_rows", [3, 30])
def test_the_import_preview_costs_the_same_queries_however_many_problems(
        admin_client, admin_user, source, bad_rows, django_assert_num_queries):
    lines = ["姓名,手机"] + [f"坏{n},123{n}" for n in range(bad_rows)] + ["好,13800138000"]
    lead_import = lead_import_create(source=source, file=csv_file("\n".join(lines)),
                                     actor=admin_user)

    # Session, user; the import with its source and uploader; whether settings may be added
    # (the sidebar). The problems are stored on the import: no query per row.
    with django_assert_num_queries(4):
        response = admin_client.get(preview_url(lead_import))

    assert response.status_code == 200
    assert len(response.context["problems"]) == bad_rows


def test_the_import_history_is_read_only_and_leads_back_to_the_rows(admin_client, admin_user,
                                                                     source):
    lead_import = lead_import_create(source=source, file=csv_file(GOOD_AND_BAD),
                                     actor=admin_user)

    listing = admin_client.get(reverse("admin:leads_leadimport_changelist"))
    page = admin_client.get(reverse("admin:leads_leadimport_change", args=[lead_import.pk]))

    assert "leads.csv" in listing.content.decode()
    assert admin_client.get(reverse("admin:leads_leadimport_add")).status_code == 403
    assert 'name="_save"' not in page.content.decode()
    assert f'href="{preview_url(lead_import)}" id="lead-import-rows-link"' in (
        page.content.decode())

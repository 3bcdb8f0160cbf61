"""The admin of lead quality: rulings can be read, never written there (by anybody, superusers
included), disputes and inspections are read-only, the quality settings are one row, and
scorecards are kept with their criteria through the scorecard services."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from coordination.core.audit.models import AuditEvent
from coordination.core.errors import ApplicationError
from coordination.core.org.models import DepartmentKind, Role
from leads.models import (
    Criterion,
    Dispute,
    DisputeSide,
    Inspection,
    InspectionAnswer,
    LeadStatus,
    QualitySettings,
    Ruling,
    Scorecard,
)
from leads.services import dispute_open, dispute_rule, scorecard_save, scorecard_validate
from tests.factories import DepartmentFactory, LeadFactory, UserFactory, member

pytestmark = pytest.mark.django_db

ROLES = ["rep", "sales_head", "marketer", "executive", "superuser", "judge", "quality_head"]


@pytest.fixture
def org():
    sales = DepartmentFactory(kind=DepartmentKind.SALES)
    quality = DepartmentFactory(kind=DepartmentKind.QUALITY)
    return {
        "rep": member(department=sales),
        "sales_head": member(department=sales, role=Role.HEAD),
        "marketer": member(DepartmentKind.MARKETING),
        "executive": member(DepartmentKind.EXECUTIVE, role=Role.EXECUTIVE),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
        "judge": member(department=quality, is_adjudicator=True),
        "quality_head": member(department=quality, role=Role.HEAD),
    }


def _staff_with_every_quality_permission(user):
    """Staff holding every Django permission on the quality models: what the admin may still
    refuse is then refused by the admin classes themselves."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="leads",
        content_type__model__in=["dispute", "ruling", "inspection", "qualitysettings"]))
    return user


@pytest.fixture
def ruling(org):
    lead = LeadFactory(owner=org["rep"], status=LeadStatus.ASSIGNED)
    dispute = dispute_open(lead=lead, actor=org["rep"], ground="fake", evidence="假号码")
    return dispute_rule(dispute=dispute, verdict="invalid", reason="fake", actor=org["judge"])


@pytest.mark.parametrize("role", ROLES)
def test_nobody_adds_changes_or_deletes_a_ruling_in_the_admin(client, org, ruling, role):
    client.force_login(_staff_with_every_quality_permission(org[role]))
    data = {"dispute": ruling.dispute_id, "verdict": "valid", "reason": "", "note": "改判",
            "ruled_by": org[role].pk}

    assert client.get(reverse("admin:leads_ruling_add")).status_code == 403
    assert client.post(reverse("admin:leads_ruling_add"), data).status_code == 403
    assert client.post(reverse("admin:leads_ruling_change", args=[ruling.pk]),
                       data).status_code == 403
    assert client.post(reverse("admin:leads_ruling_delete", args=[ruling.pk]),
                       {"post": "yes"}).status_code == 403
    # Nor through the dispute: it is read-only, its rulings inline too.
    assert client.get(reverse("admin:leads_dispute_add")).status_code == 403
    assert client.post(reverse("admin:leads_dispute_change", args=[ruling.dispute_id]),
                       {"status": "open"}).status_code == 403

    assert list(Ruling.objects.values_list("pk", "verdict", "note")) == [
        (ruling.pk, "invalid", "")]
    assert Dispute.objects.get().status == "ruled"


def test_the_admin_shows_rulings_and_disputes_read_only(admin_client, ruling):
    response = admin_client.get(reverse("admin:leads_ruling_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("admin:leads_ruling_add") not in html
    assert 'name="action"' not in html or "delete_selected" not in html

    response = admin_client.get(reverse("admin:leads_ruling_change", args=[ruling.pk]))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()

    response = admin_client.get(reverse("admin:leads_dispute_change",
                                        args=[ruling.dispute_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in html
    assert 'id="dispute-ruling-page"' in html
    assert "假号码" in html


def test_the_dispute_list_filters_by_status_side_and_ground(admin_client, ruling):
    Dispute.objects.create(lead=LeadFactory(), side=DisputeSide.SAMPLE, due_at=ruling.created_at)

    response = admin_client.get(reverse("admin:leads_dispute_changelist"),
                                {"status__exact": "open", "side__exact": "sample"})

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1
    response = admin_client.get(reverse("admin:leads_dispute_changelist"),
                                {"ground__exact": "fake"})
    assert [d.pk for d in response.context["cl"].result_list] == [ruling.dispute_id]


def test_quality_settings_are_one_row(admin_client):
    assert admin_client.get(reverse("admin:leads_qualitysettings_add")).status_code == 403

    response = admin_client.get(reverse("admin:leads_qualitysettings_changelist"))

    settings = QualitySettings.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:leads_qualitysettings_change", args=[settings.pk])
    response = admin_client.post(reverse("admin:leads_qualitysettings_change",
                                         args=[settings.pk]), {
        "blind_review": "", "pause_clocks_during_dispute": "on", "ruling_sla_minutes": 240,
        "sample_share": "5", "inspection_share": "10", "inspection_minimum": 1,
        "low_score_share": "30", "low_score_window_days": 14, "double_scoring_share": "10"})
    assert response.status_code == 302
    settings = QualitySettings.objects.get()
    assert not settings.blind_review and settings.pause_clocks_during_dispute
    assert settings.ruling_sla_minutes == 240
    assert admin_client.post(reverse("admin:leads_qualitysettings_delete", args=[settings.pk]),
                             {"post": "yes"}).status_code == 403
    assert QualitySettings.objects.count() == 1


def _scorecard_form(**criterion) -> dict:
    row = {"position": 1, "label": "开场白", "weight": 1, "answer_type": "score",
           "min_score": 0, "max_score": 5, "choices": "[]", **criterion}
    return {"name": "跟进质检", "pass_mark": "60", "is_active": "on",
            "criteria-TOTAL_FORMS": 1, "criteria-INITIAL_FORMS": 0,
            "criteria-MIN_NUM_FORMS": 0, "criteria-MAX_NUM_FORMS": 1000,
            **{f"criteria-0-{name}": value for name, value in row.items()}}


def test_a_scorecard_is_kept_with_its_criteria(admin_client, admin_user):
    response = admin_client.post(reverse("admin:leads_scorecard_add"), _scorecard_form(
        answer_type="choice", label="下一步", choices=json.dumps(
            [{"label": "明确", "points": 1}, {"label": "没有", "points": 0}])))

    assert response.status_code == 302
    criterion = Criterion.objects.get()
    scorecard = Scorecard.objects.get()
    assert criterion.scorecard == scorecard and len(criterion.choices) == 2
    event = AuditEvent.objects.get(object_id=str(scorecard.pk))
    assert (event.verb, event.actor) == ("scorecard.created", admin_user)
    assert [row["label"] for row in event.after["criteria"]] == ["下一步"]


OPTIONS_SHAPE = 'Give the options as [{"label": "…", "points": 0 to 1}, …].'


@pytest.mark.parametrize(("choices", "message"), [
    ("[]", OPTIONS_SHAPE),
    ('[{"label": "好", "points": 2}]', OPTIONS_SHAPE),
    ('[{"label": "好", "points": 1}, {"label": "好", "points": 0}]',
     "Each option needs its own label."),
    ('["好"]', OPTIONS_SHAPE),
])
def test_a_choice_criterion_needs_well_formed_options(admin_client, choices, message):
    response = admin_client.post(reverse("admin:leads_scorecard_add"),
                                 _scorecard_form(answer_type="choice", choices=choices))

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]["choices"] == [
        message]
    assert not Scorecard.objects.exists()


def test_an_invalid_scorecard_is_refused_through_the_service(admin_client):
    # The service's own rule: a scorecard in use needs a criterion to score on.
    with pytest.raises(ApplicationError) as refused:
        scorecard_validate(data={"is_active": True}, criteria=[])
    form = {**_scorecard_form(), "criteria-TOTAL_FORMS": 0}

    response = admin_client.post(reverse("admin:leads_scorecard_add"), form)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.non_form_errors() == [refused.value.message]
    assert refused.value.message == "The scorecard has no criteria."
    assert not Scorecard.objects.exists()
    assert not AuditEvent.objects.exists()
    # Not in use, it may wait for its criteria.
    response = admin_client.post(reverse("admin:leads_scorecard_add"),
                                 {**form, "is_active": ""})
    assert response.status_code == 302
    assert Scorecard.objects.get().criteria.count() == 0


def test_changing_a_scorecard_keeps_its_criteria_rows(admin_client, admin_user):
    scorecard = scorecard_save(scorecard=Scorecard(), data={"name": "卡", "pass_mark": 60},
                               criteria=[{"position": 1, "label": "开场白", "weight": 1,
                                          "answer_type": "score", "min_score": 0,
                                          "max_score": 5, "choices": []}], actor=admin_user)
    criterion = scorecard.criteria.get()
    form = _scorecard_form(label="开场与介绍", weight=2)
    form.update({"name": "卡", "criteria-INITIAL_FORMS": 1, "criteria-0-id": criterion.pk,
                 "criteria-0-scorecard": scorecard.pk})

    response = admin_client.post(reverse("admin:leads_scorecard_change", args=[scorecard.pk]),
                                 form)

    assert response.status_code == 302
    assert list(scorecard.criteria.values_list("pk", "label", "weight")) == [
        (criterion.pk, "开场与介绍", 2)]
    event = AuditEvent.objects.filter(object_id=str(scorecard.pk)).latest("id")
    assert event.verb == "scorecard.changed"
    assert event.before["criteria"][0]["label"] == "开场白"
    assert event.after["criteria"][0]["label"] == "开场与介绍"


def test_the_scorecard_service_never_removes_an_answered_criterion(org, admin_user):
    scorecard = scorecard_save(scorecard=Scorecard(), data={"name": "卡"}, criteria=[
        {"position": 1, "label": "开场白", "weight": 1, "answer_type": "yes_no",
         "min_score": 0, "max_score": 5, "choices": []}], actor=admin_user)
    criterion = scorecard.criteria.get()
    follow_up = LeadFactory(owner=org["rep"]).follow_ups.create(
        author=org["rep"], channel="call", outcome="reached")
    inspection = Inspection.objects.create(follow_up=follow_up, scorecard=scorecard,
                                           drawn_on=follow_up.created_at.date())
    InspectionAnswer.objects.create(inspection=inspection, criterion=criterion, value=True,
                                    points=1)

    with pytest.raises(ApplicationError) as refused:
        scorecard_save(scorecard=Scorecard.objects.get(), data={"is_active": False},
                       criteria=[], actor=admin_user)

    assert refused.value.field == "criteria"
    assert scorecard.criteria.get() == criterion


def test_inspections_are_read_only_in_the_admin(admin_client, org):
    card = Scorecard.objects.create(name="卡")
    follow_up = LeadFactory(owner=org["rep"]).follow_ups.create(
        author=org["rep"], channel="call", outcome="reached")
    inspection = Inspection.objects.create(follow_up=follow_up, scorecard=card,
                                           drawn_on=follow_up.created_at.date())

    assert admin_client.get(reverse("admin:leads_inspection_add")).status_code == 403
    response = admin_client.get(reverse("admin:leads_inspection_changelist"),
                                {"status__exact": "pending"})
    assert list(response.context["cl"].result_list) == [inspection]
    assert admin_client.post(reverse("admin:leads_inspection_change", args=[inspection.pk]),
                             {"status": "done"}).status_code == 403

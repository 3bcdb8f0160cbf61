"""Review fixes of lead quality: evidence files follow one set of rules (the evidence service)
on the page and in the API and are only ever served as downloads; blind review hides who
opened a dispute from the whole quality department (adjudicators and quality heads) in the
API and the admin, the follow-ups' authors and the files' uploaders included."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coordination.core.audit.models import AuditEvent
from coordination.core.errors import ApplicationError, PermissionDenied
from coordination.core.org.models import DepartmentKind, Role
from leads.models import (
    Dispute,
    DisputeAttachment,
    FollowUp,
    LeadStatus,
    QualitySettings,
)
from leads.permissions import is_blind_reader
from leads.services import dispute_attachment_add, dispute_open, evidence_file_validate
from leads.services.evidence import MAX_EVIDENCE_FILES
from tests.factories import DepartmentFactory, LeadFactory, SourceFactory, UserFactory, member

pytestmark = pytest.mark.django_db

DISPUTES = "/api/v1/disputes/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML = b"<!doctype html><html><script>fetch('/api/v1/leads/')</script></html>"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people():
    sales = DepartmentFactory(kind=DepartmentKind.SALES, name="Sales East")
    quality = DepartmentFactory(kind=DepartmentKind.QUALITY, name="质检部")
    return {
        "rep": member(department=sales, user=UserFactory(full_name="王芳")),
        "other_rep": member(department=sales, user=UserFactory(full_name="李雷")),
        "sales_head": member(department=sales, role=Role.HEAD,
                             user=UserFactory(full_name="张伟")),
        "marketer": member(DepartmentKind.MARKETING, user=UserFactory(full_name="陈静")),
        "judge": member(department=quality, is_adjudicator=True,
                        user=UserFactory(full_name="吴判定")),
        "quality_head": member(department=quality, role=Role.HEAD,
                               user=UserFactory(full_name="周主管")),
        "superuser": UserFactory(full_name="系统管理员", is_superuser=True, is_staff=True),
    }


@pytest.fixture
def dispute(people):
    """The rep's open dispute, with a linked follow-up of the rep and a file named after
    the rep."""
    lead = LeadFactory(owner=people["rep"], status=LeadStatus.CONTACTED,
                       source=SourceFactory(name="百度推广"), name="陈先生")
    follow_up = FollowUp.objects.create(lead=lead, author=people["rep"], channel="call",
                                        outcome="wrong_contact", notes="空号")
    return dispute_open(lead=lead, actor=people["rep"], ground="wrong_number",
                        evidence="三次拨打均提示空号", follow_ups=[follow_up],
                        files=[SimpleUploadedFile("王芳的截图.png", PNG, "image/png")])


def _blind_review(on: bool) -> None:
    QualitySettings.objects.update_or_create(pk=1, defaults={"blind_review": on})


# Evidence files: the API follows the page's rules ----------------------------------------------


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("page.html", HTML, "text/html"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "image/svg+xml"),
    ("app.js", b"alert(document.cookie)", "application/javascript"),
    # Named and typed as a picture, but its bytes are a page.
    ("screenshot.png", HTML, "image/png"),
])
def test_the_api_refuses_a_file_that_is_not_image_pdf_or_audio(api_client, people, dispute,
                                                               name, content, content_type):
    api_client.force_authenticate(people["rep"])
    response = api_client.post(f"{DISPUTES}{dispute.pk}/attachments/",
                               {"file": SimpleUploadedFile(name, content, content_type)},
                               format="multipart")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("files", "file_type")
    assert name in error["message"]
    assert dispute.attachments.count() == 1


def test_the_api_refuses_a_file_over_5_mb_and_more_files_than_a_dispute_holds(
        api_client, people, dispute):
    api_client.force_authenticate(people["rep"])
    url = f"{DISPUTES}{dispute.pk}/attachments/"
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (5 * 1024 * 1024), "image/png")
    response = api_client.post(url, {"file": big}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "file_too_large"
    assert response.json()["errors"][0]["field"] == "files"

    for number in range(MAX_EVIDENCE_FILES - 1):
        response = api_client.post(
            url, {"file": SimpleUploadedFile(f"shot{number}.png", PNG, "image/png")},
            format="multipart")
        assert response.status_code == 201
    response = api_client.post(url, {"file": SimpleUploadedFile("one-more.png", PNG)},
                               format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_many_files"
    assert dispute.attachments.count() == MAX_EVIDENCE_FILES


def test_the_evidence_service_checks_who_adds_and_records_it(people, dispute):
    with pytest.raises(PermissionDenied):
        dispute_attachment_add(dispute=dispute, actor=people["marketer"],
                               file=SimpleUploadedFile("x.png", PNG))
    # The lead's owner may, as may who opened it.
    attachment = dispute_attachment_add(dispute=dispute, actor=people["rep"],
                                        file=SimpleUploadedFile("call.pdf", b"%PDF-1.7\n..."))
    assert attachment.uploaded_by == people["rep"]
    event = AuditEvent.objects.get(verb="dispute.attachment_added")
    assert event.after["attachment"] == attachment.pk


def test_evidence_file_validate_reads_the_first_bytes_and_leaves_the_file_where_it_was():
    upload = SimpleUploadedFile("call.mp3", b"ID3" + b"\x00" * 32)
    upload.seek(5)
    evidence_file_validate(upload)
    assert upload.tell() == 5
    with pytest.raises(ApplicationError) as refused:
        evidence_file_validate(SimpleUploadedFile("call.mp3", PNG))  # an image called audio
    assert refused.value.field == "files"


def test_the_page_refuses_an_svg_before_the_dispute_is_opened(client, people):
    lead = LeadFactory(owner=people["rep"], status=LeadStatus.CONTACTED)
    client.force_login(people["rep"])
    response = client.post(reverse("leads:dispute_open", args=[lead.pk]), {
        "ground": "fake", "evidence": "假线索",
        "files": [SimpleUploadedFile("chart.svg", b"<svg><script>alert(1)</script></svg>")]})
    assert response.status_code == 400
    assert "not an image, a PDF or an audio" in " ".join(
        response.context["quality"]["dispute_form"].errors["files"])
    assert not Dispute.objects.exists() and not DisputeAttachment.objects.exists()


# Evidence files are downloads, never pages ------------------------------------------------------


def _fetch(client, user, attachment):
    client.force_login(user)
    response = client.get(reverse("leads:dispute_file",
                                  args=[attachment.dispute_id, attachment.pk]))
    assert response.status_code == 200
    # Read to the end: that closes the response (see test_views_quality).
    body = b"".join(response.streaming_content)
    return response, body


def test_an_evidence_file_is_served_as_a_download_that_cannot_run(client, people, dispute):
    attachment = dispute.attachments.get()
    response, body = _fetch(client, people["judge"], attachment)
    assert body == PNG
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"evidence-{attachment.pk}.png" in response["Content-Disposition"]  # blind
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"


def test_a_file_stored_before_the_allowlist_is_served_as_octet_stream(client, people, dispute):
    # As the API stored them before it checked files.
    attachment = DisputeAttachment.objects.create(
        dispute=dispute, uploaded_by=people["rep"],
        file=SimpleUploadedFile("evidence.html", HTML, "text/html"))
    response, body = _fetch(client, people["rep"], attachment)
    assert body == HTML
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"


# Blind review in the API ----------------------------------------------------------------------


def test_is_blind_reader_is_the_quality_department_under_blind_review(people):
    QualitySettings.objects.filter(pk=1).delete()
    assert is_blind_reader(people["judge"]) and is_blind_reader(people["quality_head"])
    assert not is_blind_reader(people["sales_head"]) and not is_blind_reader(people["superuser"])
    _blind_review(False)
    assert not is_blind_reader(people["judge"]) and not is_blind_reader(people["quality_head"])


@pytest.mark.parametrize("reader", ["judge", "quality_head"])
def test_the_quality_department_reads_a_dispute_blind_in_the_api(api_client, people, dispute,
                                                                 reader):
    _blind_review(True)
    api_client.force_authenticate(people[reader])
    body = api_client.get(f"{DISPUTES}{dispute.pk}/").json()
    assert (body["side"], body["claim"], body["opened_by"], body["opened_by_name"]) == (
        None, None, None, None)
    [follow_up] = body["follow_ups"]
    assert (follow_up["author"], follow_up["author_name"]) == (None, None)
    assert follow_up["notes"] == "空号"
    [attachment] = body["attachments"]
    assert attachment["uploaded_by"] is None
    assert attachment["name"] == f"evidence-{attachment['id']}.png"
    assert "王芳" not in str(body)
    # Nor may the list be filtered on the side.
    response = api_client.get(DISPUTES, {"side": "sales"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "side"


def test_the_sides_and_without_blind_review_the_quality_department_see_who(api_client, people,
                                                                          dispute):
    _blind_review(True)
    api_client.force_authenticate(people["sales_head"])
    body = api_client.get(f"{DISPUTES}{dispute.pk}/").json()
    assert (body["side"], body["opened_by"]) == ("sales", people["rep"].pk)
    assert body["follow_ups"][0]["author"] == people["rep"].pk
    assert body["follow_ups"][0]["author_name"] == "王芳"

    _blind_review(False)
    api_client.force_authenticate(people["quality_head"])
    body = api_client.get(f"{DISPUTES}{dispute.pk}/").json()
    assert (body["side"], body["opened_by_name"]) == ("sales", "王芳")
    assert body["follow_ups"][0]["author_name"] == "王芳"
    assert body["attachments"][0]["uploaded_by"] == people["rep"].pk


# Blind review in the admin --------------------------------------------------------------------


def _staff(user):
    """Staff with the Django permissions to read disputes in the admin."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="leads", codename__in=["view_dispute", "view_ruling"]))
    return user


def test_an_adjudicator_reads_disputes_in_the_admin_without_who_opened_them(client, people,
                                                                            dispute):
    _blind_review(True)
    attachment = dispute.attachments.get()
    client.force_login(_staff(people["judge"]))

    changelist = client.get(reverse("admin:leads_dispute_changelist"))
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert f"/{dispute.pk}/change/" in html
    assert "王芳" not in html
    assert "side__exact" not in html  # no filter by side
    assert "column-side" not in html
    # The filter cannot be typed into the address either.
    assert client.get(reverse("admin:leads_dispute_changelist"),
                      {"side": "sales"}).status_code == 400
    assert client.get(reverse("admin:leads_dispute_changelist"),
                      {"opened_by": people["rep"].pk}).status_code == 400

    change = client.get(reverse("admin:leads_dispute_change", args=[dispute.pk]))
    assert change.status_code == 200
    html = change.content.decode()
    assert "三次拨打均提示空号" in html
    assert "王芳" not in html  # neither as the opener, the uploader nor in the file's name
    assert "field-side" not in html and "field-opened_by" not in html
    assert f"evidence-{attachment.pk}.png" in html


def test_a_superuser_outside_the_quality_department_sees_everything_in_the_admin(
        client, people, dispute):
    _blind_review(True)
    client.force_login(people["superuser"])
    html = client.get(reverse("admin:leads_dispute_change", args=[dispute.pk])).content.decode()
    assert "field-side" in html and "field-opened_by" in html
    assert html.count("王芳") >= 3  # the opener, the uploader, the file's name
    assert "side__exact" in client.get(
        reverse("admin:leads_dispute_changelist")).content.decode()
    history = client.get(reverse("admin:leads_dispute_history", args=[dispute.pk]))
    assert 'id="audit-trail"' in history.content.decode()


def test_a_superuser_who_adjudicates_reads_blind_in_the_admin_history_included(
        client, people, dispute):
    _blind_review(True)
    judge = people["superuser"]
    member(department=DepartmentFactory(kind=DepartmentKind.QUALITY), user=judge,
           is_adjudicator=True)
    client.force_login(judge)
    html = client.get(reverse("admin:leads_dispute_change", args=[dispute.pk])).content.decode()
    assert "王芳" not in html
    history = client.get(reverse("admin:leads_dispute_history", args=[dispute.pk]))
    assert history.status_code == 200
    assert "王芳" not in history.content.decode()
    assert 'id="audit-trail"' not in history.content.decode()

"""Evidence files on the pages: the dispute form refuses what is not an image, a PDF or audio
before opening the dispute, and a stored file is only ever served as a download that cannot
run, whatever was stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leads.models import Dispute, DisputeAttachment, LeadStatus
from tests.factories import LeadFactory
from tests.leads.disputes import HTML, PNG, quality_cast, rep_dispute

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people():
    return quality_cast()


@pytest.fixture
def dispute(people):
    return rep_dispute(people)


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

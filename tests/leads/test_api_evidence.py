"""Evidence files added to a dispute through the API follow the page's rules (the evidence
service): images, PDFs and audio only, judged by their bytes; at most 5 MB each, and no more
files than a dispute holds."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leads.services.evidence import MAX_EVIDENCE_FILES
from tests.leads.disputes import DISPUTES, HTML, PNG, quality_cast, rep_dispute

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

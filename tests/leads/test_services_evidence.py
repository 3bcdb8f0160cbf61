"""The evidence service: who may add a file to a dispute (recorded in the audit trail), and how
a file is recognised as an image, a PDF or audio by its first bytes, whatever it is called."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coordination.core.audit.models import AuditEvent
from coordination.core.errors import ApplicationError, PermissionDenied
from leads.services import dispute_attachment_add, evidence_file_validate
from tests.leads.disputes import PNG, quality_cast, rep_dispute

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

"""Evidence files of disputes: the one place that says which files are accepted and who adds
them, for the lead page's dispute form and the API alike.

A file is accepted when its extension is on the allowlist *and* its first bytes are of the
kind that extension promises (the content type a client sends is whatever it says it is), it
is at most 5 MB, and its dispute holds at most ten. Files are served back only as downloads,
with the content type of the allowlist (see `evidence_content_type`), never one guessed from
the name: an uploaded page or script must never run in an adjudicator's session.
"""

import os

from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from coordination.core.audit.services import audit_record
from coordination.core.errors import ApplicationError, PermissionDenied
from coordination.core.org import permissions as org
from leads.models import Dispute, DisputeAttachment, DisputeStatus

# Screenshots, call recordings, PDFs of chats. Kept small, since they are stored with the
# dispute and served to the adjudicator one by one.
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
MAX_EVIDENCE_FILES = 10

# Allowed extensions: the kind the file's first bytes must be, and the content type it is
# served with. SVG is left out on purpose: it can carry script; so are HTML, text and the rest.
EVIDENCE_TYPES = {
    ".jpg": ("image", "image/jpeg"), ".jpeg": ("image", "image/jpeg"),
    ".png": ("image", "image/png"), ".gif": ("image", "image/gif"),
    ".webp": ("image", "image/webp"), ".heic": ("image", "image/heic"),
    ".pdf": ("pdf", "application/pdf"),
    ".mp3": ("audio", "audio/mpeg"), ".m4a": ("audio", "audio/mp4"),
    ".aac": ("audio", "audio/aac"), ".wav": ("audio", "audio/wav"),
    ".ogg": ("audio", "audio/ogg"), ".oga": ("audio", "audio/ogg"),
    ".opus": ("audio", "audio/opus"), ".amr": ("audio", "audio/amr"),
    ".flac": ("audio", "audio/flac"),
}
EVIDENCE_EXTENSIONS = {extension: kind for extension, (kind, _type) in EVIDENCE_TYPES.items()}
EVIDENCE_ACCEPT = ",".join(sorted(EVIDENCE_TYPES))
FALLBACK_CONTENT_TYPE = "application/octet-stream"


def sniff_evidence_kind(head: bytes) -> str | None:
    """"image", "pdf" or "audio" from a file's first bytes; None for anything else."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if (head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a"))
            or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
            or (head[4:8] == b"ftyp" and head[8:12] in {b"heic", b"heix", b"mif1", b"msf1"})):
        return "image"
    if (head.startswith((b"ID3", b"OggS", b"fLaC", b"#!AMR"))
            or (head[:4] == b"RIFF" and head[8:12] == b"WAVE")
            or (head[4:8] == b"ftyp" and head[8:11] in {b"M4A", b"M4B", b"mp4", b"iso"})
            or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)):
        # The last line: an MPEG audio frame (MP3 without a tag, ADTS AAC).
        return "audio"
    return None


def evidence_extension(name: str) -> str:
    return os.path.splitext(name or "")[1].lower()


def evidence_content_type(name: str) -> str:
    """The content type an evidence file is served with: the allowlist's for its extension,
    application/octet-stream for anything else (files stored before the allowlist)."""
    kind_and_type = EVIDENCE_TYPES.get(evidence_extension(name))
    return kind_and_type[1] if kind_and_type else FALLBACK_CONTENT_TYPE


def evidence_count_validate(count: int) -> None:
    """Refuse more than MAX_EVIDENCE_FILES files on one dispute."""
    if count > MAX_EVIDENCE_FILES:
        raise ApplicationError(_("Attach at most %(count)d files.") % {
            "count": MAX_EVIDENCE_FILES}, code="too_many_files", field="files")


def evidence_file_validate(file) -> None:
    """Refuse a file that is too big, or whose extension is not allowed or whose first bytes
    are not of the kind its extension promises. Leaves the file's position where it was."""
    name = os.path.basename(file.name or "")
    size = getattr(file, "size", None)
    if size is not None and size > MAX_EVIDENCE_BYTES:
        raise ApplicationError(
            _("“%(name)s” is %(size)s; an evidence file may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(size),
               "limit": filesizeformat(MAX_EVIDENCE_BYTES)},
            code="file_too_large", field="files")
    expected = EVIDENCE_EXTENSIONS.get(evidence_extension(name))
    head = b""
    if expected is not None:
        position = file.tell() if hasattr(file, "tell") else 0
        file.seek(0)
        head = file.read(16)
        file.seek(position)
    if expected is None or sniff_evidence_kind(head) != expected:
        raise ApplicationError(
            _("“%(name)s” is not an image, a PDF or an audio recording.") % {"name": name},
            code="file_type", field="files")


@transaction.atomic
def dispute_attachment_add(*, dispute: Dispute, file, actor) -> DisputeAttachment:
    """Add an evidence file to an open dispute: only who opened it or, for a sales-side
    dispute, the lead's owner (the side that reads it), and only an accepted file
    (`evidence_file_validate`), up to MAX_EVIDENCE_FILES per dispute."""
    # Locked: two uploads at once must not both pass the count, nor one slip past a ruling.
    dispute = (Dispute.objects.select_for_update(of=("self",)).select_related("lead")
               .get(pk=dispute.pk))
    may_add = org.is_person(actor) and (
        actor.pk == dispute.opened_by_id
        or (dispute.side == "sales" and actor.pk == dispute.lead.owner_id))
    if not may_add:
        raise PermissionDenied(
            _("Only who opened the dispute or the lead's owner may add evidence files."))
    if dispute.status != DisputeStatus.OPEN:
        raise ApplicationError(_("This dispute is ruled: evidence can no longer be added."),
                               code="already_ruled", field="dispute")
    evidence_file_validate(file)
    evidence_count_validate(DisputeAttachment.objects.filter(dispute=dispute).count() + 1)
    attachment = DisputeAttachment.objects.create(dispute=dispute, file=file,
                                                  uploaded_by=actor)
    audit_record(actor=actor, verb="dispute.attachment_added", obj=dispute,
                 after={"attachment": attachment.pk, "file": attachment.file.name})
    return attachment

"""Idempotency keys: claiming a key for a request, keeping its answer, forgetting expired keys.

The web layer (middleware.py) calls these around a POST that carries an `Idempotency-Key`; they
know nothing of HTTP beyond the status, body and headers they keep.
"""

import dataclasses
import datetime
import enum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.core.errors import ApplicationError
from coordination.core.idempotency.models import IdempotencyRecord, IdempotencyStatus

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255


def idempotency_key_clean(value: str) -> str:
    """`value` if it is a well-formed key: 1 to 255 printable ASCII characters (space to
    tilde). Anything else raises ApplicationError naming the header."""
    if not value:
        raise ApplicationError(_("The Idempotency-Key header is empty."), code="blank",
                               field=HEADER)
    if len(value) > KEY_MAX_LENGTH:
        raise ApplicationError(
            _("The Idempotency-Key header is longer than %(limit)d characters.")
            % {"limit": KEY_MAX_LENGTH}, code="max_length", field=HEADER)
    if not all(" " <= character <= "~" for character in value):
        raise ApplicationError(
            _("The Idempotency-Key header may hold only printable ASCII characters."),
            code="invalid", field=HEADER)
    return value


class Outcome(enum.Enum):
    CLAIMED = "claimed"  # the key is this request's now: run it, then complete or release
    REPLAY = "replay"  # the same request was answered before: send that answer again
    MISMATCH = "mismatch"  # the key was used for another request
    IN_PROGRESS = "in_progress"  # the same request is running right now


@dataclasses.dataclass(frozen=True)
class Claim:
    outcome: Outcome
    record: IdempotencyRecord | None


def idempotency_claim(*, principal: str, key: str, method: str, path: str, request_hash: str,
                      now: datetime.datetime | None = None) -> Claim:
    """Claim `key` of `principal` for one request, or say why not.

    Guarantees: of any number of concurrent claims of one key, at most one is CLAIMED (the
    insert, committed at once in its own short transaction, is arbitrated by the unique
    constraint on (principal, key), so it needs no lock held while the request runs). An
    expired record counts as absent, and so does one left in progress by a request that died
    (older than IDEMPOTENCY_KEY_LOCK_SECONDS): either is deleted by a compare-and-delete and the
    key claimed anew. Another request under the key is MISMATCH, whatever the record's state.
    """
    now = now or timezone.now()
    expires_at = now + datetime.timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    stale_before = now - datetime.timedelta(seconds=settings.IDEMPOTENCY_KEY_LOCK_SECONDS)
    # Three rounds: each one that does not decide found a record that has just gone (completed
    # as a 5xx and released, expired, or died) and tries the insert again.
    for _round in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    principal=principal, key=key, method=method, path=path,
                    request_hash=request_hash, created_at=now, expires_at=expires_at)
            return Claim(Outcome.CLAIMED, record)
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
        if existing is None:
            continue
        if existing.expires_at <= now:
            IdempotencyRecord.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
        if existing.request_hash != request_hash:
            return Claim(Outcome.MISMATCH, existing)
        if existing.status == IdempotencyStatus.IN_PROGRESS:
            if existing.created_at > stale_before:
                return Claim(Outcome.IN_PROGRESS, existing)
            IdempotencyRecord.objects.filter(
                pk=existing.pk, status=IdempotencyStatus.IN_PROGRESS,
                created_at__lte=stale_before).delete()
            continue
        return Claim(Outcome.REPLAY, existing)
    # Still undecided: another request keeps taking the key over; it is in use.
    return Claim(Outcome.IN_PROGRESS, None)


def idempotency_complete(*, record: IdempotencyRecord, status_code: int, body: bytes,
                         content_type: str, headers: dict[str, str]) -> bool:
    """Keep the answer to the request that claimed `record`, for its retries. False (and
    nothing written) if the record is no longer that request's: taken over after the lock
    window, or swept."""
    return bool(IdempotencyRecord.objects.filter(
        pk=record.pk, status=IdempotencyStatus.IN_PROGRESS,
    ).update(status=IdempotencyStatus.DONE, response_status=status_code, response_body=body,
             response_content_type=content_type, response_headers=headers))


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Give the key back unanswered (the request failed with a server error or streamed its
    answer), so that a retry runs the request again. Releasing twice is harmless."""
    IdempotencyRecord.objects.filter(pk=record.pk, status=IdempotencyStatus.IN_PROGRESS).delete()


def idempotency_records_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete every expired record in one statement; return how many went. Safe to run twice
    or concurrently: a second run finds nothing expired left to delete. The claim already
    ignores expired records, so deleting them changes no answer; and no request still holds one
    (the settings keep the lock window shorter than the time a key is kept)."""
    now = now or timezone.now()
    deleted, _per_model = IdempotencyRecord.objects.filter(expires_at__lte=now).delete()
    return deleted

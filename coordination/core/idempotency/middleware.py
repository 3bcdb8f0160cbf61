"""`Idempotency-Key` on every POST, pages and API alike, with no code in the views.

A POST that carries the header is done once per key and caller:

- the first request claims the key (services.idempotency_claim), runs as it would without the
  header, and its answer (status, body, content type, a redirect's Location) is kept for
  IDEMPOTENCY_KEY_TTL_SECONDS; a retry with the same key and the same request gets that answer
  again, marked `Idempotent-Replayed: true`, and nothing is written a second time;
- the same key with another request (method, path, query string or body) answers 422; while the
  first request still runs, a retry answers 409 and writes nothing;
- a server error (5xx), a throttled request (429: nothing was done, and keeping the answer would
  refuse the client's proper retry for a day) and a streamed answer are not kept: the key is
  released and a retry runs the request again;
- a malformed key (empty, over 255 characters, not printable ASCII) answers 400.

Requests without the header, and requests with no caller to scope the key to (anonymous, or an
API key that does not authenticate: the view refuses them as ever), are left alone.

Keys belong to the caller: a signed-in person (`user:<id>`) or an API key (`key:<hash of the
key>`, the hash it is stored under; the key itself is never stored). The caller is found the
way the view will find it: a DRF view tries its authentication classes in order (so an API key
wins over the session, as in REST_FRAMEWORK), a page uses the session.

Why a replay cannot leak an answer across sites (CSRF): the replay happens only after the
request has passed the same checks the view would make of its caller.

1. A cross-site page cannot send an `Idempotency-Key` header at all: it is not a header a
   form or a "simple" fetch may carry, so the browser asks first with a CORS preflight, which
   Tandem never grants (it sends no CORS headers). So a forged POST reaches this middleware
   without the header and is left alone, to be refused by the CSRF check as ever.
2. Should that ever change (a CORS setting, a browser bug), the check is made here too, in
   `process_view`, which runs after Django's CsrfViewMiddleware.process_view: a page POST
   without a valid token is refused by Django before it gets here. DRF views are exempt from
   Django's check and make their own (only for session callers) inside the view, which a
   replay would skip; so for a session caller of a DRF view this middleware makes DRF's check
   itself first, and leaves a request that fails it alone (DRF then refuses it, 403).
3. An API-key caller is authenticated here with the view's own authentication class; a
   revoked or expired key gets no replay. A key is a credential a browser never adds by
   itself, so CSRF does not arise.

Nothing needs to be in a transaction with the view (ATOMIC_REQUESTS is off: each service owns
its transaction): the claim is committed before the view runs, so a concurrent retry sees it.
"""

import hashlib
import logging
import tempfile

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse, QueryDict
from django.http.request import UnreadablePostError
from django.utils.translation import gettext as _
from rest_framework.authentication import CSRFCheck, SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.views import APIView

from coordination.core.apikeys.authentication import ApiKeyAuthentication
from coordination.core.errors import ApplicationError
from coordination.core.idempotency.models import IdempotencyRecord
from coordination.core.idempotency.services import (
    HEADER,
    Outcome,
    idempotency_claim,
    idempotency_complete,
    idempotency_key_clean,
    idempotency_release,
)

logger = logging.getLogger(__name__)

META_NAME = "HTTP_IDEMPOTENCY_KEY"
REPLAYED_HEADER = "Idempotent-Replayed"
# Headers a replay needs to mean what the first answer meant. Never Set-Cookie: a session or
# CSRF cookie belongs to the moment it was issued.
KEPT_HEADERS = ("Location", "Content-Disposition")
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The page forms' CSRF token changes with every rendering of the form: not part of what the
# request asks for, so a form sent again after a reload is still the same request.
CSRF_FIELD = "csrfmiddlewaretoken"
CHUNK_BYTES = 64 * 1024


class IdempotencyMiddleware:
    """Placed after AuthenticationMiddleware (it reads `request.user`) and, through
    `process_view`, after CsrfViewMiddleware's own check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or META_NAME not in request.META:
            return self.get_response(request)
        try:
            response = self.get_response(request)
        except BaseException:
            # Django turns a view's exception into a 500 answer before it gets here; should
            # anything escape anyway, the key must not stay claimed.
            self._release(request)
            raise
        finally:
            spool = getattr(request, "_idempotency_spool", None)
            if spool is not None:
                spool.close()
        record = getattr(request, "_idempotency_record", None)
        if record is not None:
            self._finish(record, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or META_NAME not in request.META:
            return None
        try:
            key = idempotency_key_clean(request.META[META_NAME])
        except ApplicationError as exc:
            return _error(400, exc.code, exc.message)
        principal = _principal(request, view_func)
        if principal is None:
            return None
        claim = idempotency_claim(principal=principal, key=key, method=request.method,
                                  path=request.path, request_hash=_request_hash(request))
        if claim.outcome is Outcome.CLAIMED:
            request._idempotency_record = claim.record
            return None
        if claim.outcome is Outcome.REPLAY:
            return _replay(claim.record)
        if claim.outcome is Outcome.MISMATCH:
            return _error(422, "idempotency_key_reused", _(
                "This Idempotency-Key was already used for another request. Send a new key "
                "with a new request."))
        return _error(409, "idempotency_key_in_progress", _(
            "A request with this Idempotency-Key is still being processed. Retry it with the "
            "same key once it has finished to get its answer."))

    def _finish(self, record: IdempotencyRecord, response) -> None:
        status = response.status_code
        try:
            if response.streaming or status >= 500 or status == 429:
                idempotency_release(record=record)
                return
            idempotency_complete(
                record=record, status_code=status, body=response.content,
                content_type=response.get("Content-Type", ""),
                headers={name: response[name] for name in KEPT_HEADERS
                         if response.has_header(name)})
        except DatabaseError:
            # The request itself is done; its answer goes out. Its retries answer 409 until the
            # lock window has passed, then run again.
            logger.exception("Could not store the answer of idempotency record %s", record.pk)

    def _release(self, request) -> None:
        record = getattr(request, "_idempotency_record", None)
        if record is not None:
            idempotency_release(record=record)


def _error(status: int, code: str, message: str) -> JsonResponse:
    """The API's error format, naming the header as the field."""
    return JsonResponse({"errors": [{"field": HEADER, "code": code, "message": message}]},
                        status=status)


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.response_body), status=record.response_status,
                            content_type=record.response_content_type or None)
    for name, value in record.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


# The caller ------------------------------------------------------------------------------------


def _principal(request, view_func) -> str | None:
    """Who sent the request, as the view will decide it; None if nobody (or nobody this
    middleware can name), and then the request is left alone."""
    view_class = getattr(view_func, "cls", None)
    if not (isinstance(view_class, type) and issubclass(view_class, APIView)):
        user = getattr(request, "user", None)
        return f"user:{user.pk}" if user is not None and user.is_authenticated else None
    # An action may name its own classes (`@action(authentication_classes=...)`).
    initkwargs = getattr(view_func, "initkwargs", None) or {}
    classes = initkwargs.get("authentication_classes", view_class.authentication_classes)
    for auth_class in classes:
        if issubclass(auth_class, ApiKeyAuthentication):
            try:
                # Reads only the Authorization header, as the view will.
                result = auth_class().authenticate(request)
            except APIException:
                return None
            if result is not None:
                return f"key:{result[1].key_hash}"
        elif issubclass(auth_class, SessionAuthentication):
            user = getattr(request, "user", None)
            if user is None or not user.is_active:
                continue
            return f"user:{user.pk}" if _csrf_passes(request) else None
        else:
            return None
    return None


class _HeaderTokenRequest:
    """The request as the CSRF check below sees it: without its form body. DRF's own check
    would read the token from a form field through the view's parsers; reading `request.POST`
    here would parse a multipart body with Django's parser ahead of the view's. API callers
    send the token in the X-CSRFToken header; one that puts it only in a form field is left
    alone (no idempotency) and checked by DRF as ever."""

    POST = QueryDict()

    def __init__(self, request) -> None:
        self._request = request

    def __getattr__(self, name):
        return getattr(self._request, name)


def _csrf_passes(request) -> bool:
    """DRF's CSRF check of a session caller (SessionAuthentication.enforce_csrf), made before
    the view so that a replay never skips it."""
    check = CSRFCheck(lambda _request: None)
    proxy = _HeaderTokenRequest(request)
    check.process_request(proxy)
    return not check.process_view(proxy, None, (), {})


# The request's fingerprint ---------------------------------------------------------------------


def _request_hash(request) -> str:
    """SHA-256 of method, path, query string and body, reading the body in chunks.

    A body no one has read yet is copied, as it is hashed, into a spooled temporary file
    (memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, then disk) that the view reads instead, so a
    large upload is never held in memory whole. A form Django has already parsed (the CSRF
    check of a page reads `request.POST`, and a multipart stream cannot be read twice) is
    hashed from its fields and files.
    """
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    # Django's request keeps whether its stream was read in `_read_started`; no public name.
    if not request._read_started:
        request._idempotency_spool = _spool_body(request, digest)
    elif request.content_type in FORM_CONTENT_TYPES:
        _hash_form(request, digest)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _spool_body(request, digest):
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE,
                                          dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        while chunk := request._stream.read(CHUNK_BYTES):
            digest.update(chunk)
            spool.write(chunk)
    except OSError as exc:
        spool.close()
        raise UnreadablePostError(*exc.args) from exc
    spool.seek(0)
    # Django reads the body from `_stream` (its own `body` swaps in a BytesIO the same way); the
    # copy holds exactly the bytes the client sent, so the view parses what it would have.
    request._stream = spool
    return spool


def _hash_form(request, digest) -> None:
    for name in sorted(request.POST):
        if name == CSRF_FIELD:
            continue
        for value in request.POST.getlist(name):
            digest.update(f"{name}\0{value}\0".encode("utf-8", "surrogateescape"))
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(f"{name}\0{upload.name}\0{upload.content_type}\0".encode(
                "utf-8", "surrogateescape"))
            for chunk in upload.chunks(CHUNK_BYTES):
                digest.update(chunk)
            upload.seek(0)

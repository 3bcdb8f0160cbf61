"""What the middleware keeps and what it does not, on small views of this module's own URLconf:
server errors, crashes, throttling and streamed answers are not kept; a request still running
answers 409; a key left claimed by a dead request is taken over; uploads are hashed in chunks;
pages are honoured like the API."""

import datetime
import hashlib

import pytest
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.test import Client
from django.urls import path
from django.utils import timezone
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from coordination.core.idempotency.models import IdempotencyRecord, IdempotencyStatus
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

# Every request the views below ran, so that a test can tell a replay from a second run.
RUNS: list[str] = []


class StatusView(APIView):
    """Answers the status the body asks for."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    def post(self, request):
        RUNS.append("status")
        return Response({"run": len(RUNS)}, status=int(request.data.get("status", 201)))


class CrashView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        RUNS.append("crash")
        raise RuntimeError("the view broke")


class UploadView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    def post(self, request):
        RUNS.append("upload")
        upload = request.data["file"]
        return Response({"note": request.data.get("note", ""),
                         "sha256": hashlib.sha256(upload.read()).hexdigest()}, status=201)


def stream_view(request):
    RUNS.append("stream")
    return StreamingHttpResponse(iter([b"part one, ", b"part two"]))


def page_view(request):
    """A page form: the CSRF middleware checks it before the idempotency middleware sees it."""
    RUNS.append("page")
    upload = request.FILES.get("file")
    size = upload.size if upload else 0
    return HttpResponseRedirect(f"/done/?run={len(RUNS)}&size={size}")


def token_view(request):
    return HttpResponse(get_token(request))


urlpatterns = [
    path("status/", StatusView.as_view()),
    path("crash/", CrashView.as_view()),
    path("upload/", UploadView.as_view()),
    path("stream/", stream_view),
    path("page/", page_view),
    path("token/", token_view),
]
handler500 = "coordination.core.web.errors.server_error"


@pytest.fixture(autouse=True)
def _fresh_runs():
    RUNS.clear()
    yield
    RUNS.clear()


@pytest.fixture
def browser(client):
    client.force_login(UserFactory())
    return client


def post_status(client, status, key="k"):
    return client.post("/status/", {"status": status}, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_not_kept_and_the_retry_runs_again(browser, status):
    assert post_status(browser, status).status_code == status
    assert not IdempotencyRecord.objects.exists()

    retry = post_status(browser, status)

    assert retry.status_code == status
    assert not retry.has_header("Idempotent-Replayed")
    assert RUNS == ["status", "status"]


def test_a_crash_is_not_kept(browser):
    browser.raise_request_exception = False
    assert browser.post("/crash/", HTTP_IDEMPOTENCY_KEY="k").status_code == 500
    assert browser.post("/crash/", HTTP_IDEMPOTENCY_KEY="k").status_code == 500
    assert RUNS == ["crash", "crash"]
    assert not IdempotencyRecord.objects.exists()


def test_a_throttled_request_is_not_kept(browser):
    # Nothing was done; keeping a 429 would refuse the client's proper retry for a day.
    assert post_status(browser, 429).status_code == 429
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("status", [200, 201, 204, 400, 403, 404, 409])
def test_success_and_refusals_are_kept(browser, status):
    first = post_status(browser, status)
    second = post_status(browser, status)
    assert (first.status_code, second.status_code) == (status, status)
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert RUNS == ["status"]


def test_a_streamed_answer_is_not_kept(browser):
    first = browser.post("/stream/", HTTP_IDEMPOTENCY_KEY="k")
    assert b"".join(first.streaming_content) == b"part one, part two"
    browser.post("/stream/", HTTP_IDEMPOTENCY_KEY="k")
    assert RUNS == ["stream", "stream"]
    assert not IdempotencyRecord.objects.exists()


def test_a_retry_while_the_first_request_runs_answers_409_and_runs_nothing(browser):
    post_status(browser, 201)
    # As if the first request were still running: its record claimed, not yet answered.
    IdempotencyRecord.objects.update(status=IdempotencyStatus.IN_PROGRESS, response_status=None)

    response = post_status(browser, 201)

    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["field"] == "Idempotency-Key"
    assert error["code"] == "idempotency_key_in_progress"
    assert "still being processed" in error["message"]
    assert RUNS == ["status"]


def test_a_key_left_claimed_by_a_dead_request_is_taken_over_after_the_lock_window(
        browser, settings):
    post_status(browser, 201)
    claimed_at = timezone.now() - datetime.timedelta(
        seconds=settings.IDEMPOTENCY_KEY_LOCK_SECONDS + 1)
    IdempotencyRecord.objects.update(status=IdempotencyStatus.IN_PROGRESS, response_status=None,
                                     created_at=claimed_at)

    response = post_status(browser, 201)

    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert RUNS == ["status", "status"]
    assert IdempotencyRecord.objects.get().status == IdempotencyStatus.DONE


def test_an_upload_is_hashed_in_chunks_and_still_read_by_the_view(browser, settings):
    # Over the in-memory limit: the body is spooled to disk while it is hashed.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    content = bytes(range(256)) * 1024

    def upload(note, data=content):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return browser.post("/upload/", {"note": note, "file": SimpleUploadedFile(
            "leads.csv", data, content_type="text/csv")}, HTTP_IDEMPOTENCY_KEY="up")

    first = upload("one")
    assert first.status_code == 201
    assert first.json() == {"note": "one", "sha256": hashlib.sha256(content).hexdigest()}
    second = upload("one")
    assert second["Idempotent-Replayed"] == "true"
    assert upload("one", content + b"!").status_code == 422
    assert RUNS == ["upload"]


def test_a_page_form_is_honoured_and_its_changing_csrf_token_does_not_count():
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory())

    def send(**fields):
        token = browser.get("/token/").content.decode()  # a new masked token each time
        return browser.post("/page/", {"csrfmiddlewaretoken": token, **fields},
                            HTTP_IDEMPOTENCY_KEY="form")

    first = send(name="张三")
    second = send(name="张三")

    assert first.status_code == 302
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert second["Idempotent-Replayed"] == "true"
    assert send(name="李四").status_code == 422
    assert RUNS == ["page"]


def test_a_page_upload_parsed_by_the_csrf_check_is_hashed_from_its_files():
    from django.core.files.uploadedfile import SimpleUploadedFile

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory())

    def send(data):
        token = browser.get("/token/").content.decode()
        return browser.post("/page/", {"csrfmiddlewaretoken": token, "file": SimpleUploadedFile(
            "leads.csv", data, content_type="text/csv")}, HTTP_IDEMPOTENCY_KEY="form-up")

    first = send(b"a,b\n1,2\n")
    assert first.status_code == 302
    assert first["Location"].endswith("size=8")
    assert send(b"a,b\n1,2\n")["Idempotent-Replayed"] == "true"
    assert send(b"a,b\n1,3\n").status_code == 422
    assert RUNS == ["page"]


def test_a_page_post_without_its_csrf_token_is_refused_before_the_key_is_looked_at():
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory())
    token = browser.get("/token/").content.decode()
    assert browser.post("/page/", {"csrfmiddlewaretoken": token},
                        HTTP_IDEMPOTENCY_KEY="form").status_code == 302

    forged = browser.post("/page/", {}, HTTP_IDEMPOTENCY_KEY="form")

    assert forged.status_code == 403
    assert not forged.has_header("Idempotent-Replayed")
    assert RUNS == ["page"]

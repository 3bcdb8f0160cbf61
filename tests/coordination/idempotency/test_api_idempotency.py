"""Idempotency keys on a real endpoint that creates something (POST /api/v1/leads/): a retry
gets the first answer and writes nothing, the key belongs to its caller, and bad or reused keys
are refused in the API's error format."""

import datetime
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from coordination.core.apikeys.services import api_key_create, api_key_revoke
from coordination.core.idempotency.models import IdempotencyRecord, IdempotencyStatus
from coordination.core.org.models import DepartmentKind
from leads.models import Lead
from tests.factories import SourceFactory, member

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"


def key_header(*scopes, name="Marketing tool"):
    _key, raw = api_key_create(name=name, scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


@pytest.fixture
def source():
    return SourceFactory(name="百度推广")


@pytest.fixture
def writer():
    return key_header("leads:write")


def body(source, **fields):
    # No external_id: without an idempotency key, a second POST makes a second lead (linked to
    # the first as a duplicate), which is what the key must prevent.
    return {"source": source.pk, "name": "张三", "phone": "13800138000", **fields}


def post(api_client, data, headers, key=None, path=LEADS):
    extra = dict(headers)
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return api_client.post(path, data, format="json", **extra)


def test_a_retry_gets_the_same_answer_and_creates_one_lead(api_client, source, writer):
    key = str(uuid.uuid4())
    first = post(api_client, body(source), writer, key)
    second = post(api_client, body(source), writer, key)

    assert first.status_code == 201
    assert second.status_code == 201
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Lead.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert record.status == IdempotencyStatus.DONE
    assert record.response_status == 201


def test_without_the_header_every_post_runs_as_before(api_client, source, writer):
    first = post(api_client, body(source), writer)
    second = post(api_client, body(source), writer)
    assert (first.status_code, second.status_code) == (201, 201)
    assert not second.has_header("Idempotent-Replayed")
    assert Lead.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_same_key_with_another_body_is_refused_with_422(api_client, source, writer):
    assert post(api_client, body(source), writer, "k-1").status_code == 201
    response = post(api_client, body(source, name="李四"), writer, "k-1")

    assert response.status_code == 422
    assert response.json() == {"errors": [{
        "field": "Idempotency-Key", "code": "idempotency_key_reused",
        "message": response.json()["errors"][0]["message"]}]}
    assert "another request" in response.json()["errors"][0]["message"]
    assert Lead.objects.count() == 1


def test_the_same_key_on_another_path_or_query_is_refused_with_422(api_client, source, writer):
    assert post(api_client, body(source), writer, "k-1").status_code == 201
    assert post(api_client, body(source), writer, "k-1",
                path=f"{LEADS}?x=1").status_code == 422
    assert post(api_client, [body(source)], writer, "k-1",
                path=f"{LEADS}bulk/").status_code == 422
    assert Lead.objects.count() == 1


def test_a_refused_request_is_kept_too(api_client, source, writer):
    bad = body(source, phone="")
    first = post(api_client, bad, writer, "k-4xx")
    assert first.status_code == 400
    second = post(api_client, bad, writer, "k-4xx")
    assert second.status_code == 400
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content


def test_another_callers_identical_key_is_another_key(api_client, source, writer):
    other = key_header("leads:write", name="Other tool")
    first = post(api_client, body(source), writer, "shared")
    second = post(api_client, body(source), other, "shared")

    assert (first.status_code, second.status_code) == (201, 201)
    assert not second.has_header("Idempotent-Replayed")
    assert Lead.objects.count() == 2
    principals = set(IdempotencyRecord.objects.values_list("principal", flat=True))
    assert len(principals) == 2


def test_the_api_key_itself_is_never_stored(api_client, source):
    _key, raw = api_key_create(name="Marketing tool", scopes=["leads:write"])
    post(api_client, body(source), {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}, "k")
    record = IdempotencyRecord.objects.get()
    secret = raw.rsplit("_", 1)[1]
    assert secret not in record.principal
    assert record.principal.startswith("key:")
    assert raw.encode() not in bytes(record.response_body)


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "del\x7f", "中文", "é"])
def test_a_malformed_key_is_refused_with_400_naming_the_header(api_client, source, writer, key):
    response = post(api_client, body(source), writer, key)

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "Idempotency-Key"
    assert error["code"] in {"blank", "max_length", "invalid"}
    assert not Lead.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_the_longest_key_and_spaces_are_accepted(api_client, source, writer):
    assert post(api_client, body(source), writer, "x" * 255).status_code == 201
    assert post(api_client, body(source, name="李四"), writer, "a key ~!").status_code == 201


def test_an_expired_key_runs_anew(api_client, source, writer):
    assert post(api_client, body(source), writer, "old").status_code == 201
    IdempotencyRecord.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    again = post(api_client, body(source), writer, "old")

    assert again.status_code == 201
    assert not again.has_header("Idempotent-Replayed")
    assert Lead.objects.count() == 2
    record = IdempotencyRecord.objects.get()
    assert record.expires_at > timezone.now()


def test_the_answer_is_kept_for_the_configured_time(api_client, settings, source, writer):
    settings.IDEMPOTENCY_KEY_TTL_SECONDS = 3600
    before = timezone.now()
    post(api_client, body(source), writer, "k")
    record = IdempotencyRecord.objects.get()
    assert before + datetime.timedelta(seconds=3600) <= record.expires_at
    assert record.expires_at <= timezone.now() + datetime.timedelta(seconds=3600)


def test_a_revoked_key_gets_no_replay(api_client, source):
    api_key, raw = api_key_create(name="Marketing tool", scopes=["leads:write"])
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    assert post(api_client, body(source), headers, "k").status_code == 201
    api_key_revoke(api_key=api_key)

    response = post(api_client, body(source), headers, "k")

    assert response.status_code == 401
    assert not response.has_header("Idempotent-Replayed")


def test_an_anonymous_post_is_left_alone(api_client, source):
    response = post(api_client, body(source), {}, "k")
    assert response.status_code in {401, 403}
    assert not IdempotencyRecord.objects.exists()


def test_a_replay_costs_the_key_check_and_the_record(api_client, django_assert_num_queries,
                                                     source, writer):
    post(api_client, body(source), writer, "k")
    # The API key (its last use was just written, so no update), then the claim: the insert
    # that the unique constraint refuses, in a savepoint here (the test's transaction; a
    # transaction of its own in production), and the read of the record. No view runs.
    with django_assert_num_queries(6):
        response = post(api_client, body(source), writer, "k")
    assert response["Idempotent-Replayed"] == "true"


# A signed-in person's browser ----------------------------------------------------------------


@pytest.fixture
def marketer():
    return member(DepartmentKind.MARKETING)


def csrf_client(user) -> tuple[Client, dict]:
    """A browser that signs in and sends the CSRF token as the API's JavaScript would."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")
    token = client.cookies["csrftoken"].value
    return client, {"HTTP_X_CSRFTOKEN": token}


def test_a_session_post_to_the_api_is_honoured(source, marketer):
    client, csrf = csrf_client(marketer)
    first = client.post(LEADS, body(source), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="s-1", **csrf)
    second = client.post(LEADS, body(source), content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="s-1", **csrf)

    assert first.status_code == 201
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert Lead.objects.count() == 1
    assert IdempotencyRecord.objects.get().principal == f"user:{marketer.pk}"


def test_a_session_post_without_its_csrf_token_gets_no_replay(source, marketer):
    client, csrf = csrf_client(marketer)
    assert client.post(LEADS, body(source), content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="s-1", **csrf).status_code == 201

    # A forged request: the victim's cookies, no token. Refused by DRF as ever, and the kept
    # answer is not handed out.
    forged = client.post(LEADS, body(source), content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="s-1")

    assert forged.status_code == 403
    assert not forged.has_header("Idempotent-Replayed")
    assert Lead.objects.count() == 1


def test_a_person_and_a_key_do_not_share_keys(api_client, source, marketer, writer):
    client, csrf = csrf_client(marketer)
    assert client.post(LEADS, body(source), content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="same", **csrf).status_code == 201
    response = post(api_client, body(source), writer, "same")
    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert Lead.objects.count() == 2

"""Two requests with one key at the same moment, on PostgreSQL: real threads, real commits."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

import coordination.urls
from coordination.core.apikeys.services import api_key_create
from coordination.core.idempotency.models import IdempotencyRecord
from leads.models import Lead
from tests.factories import SourceFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="concurrent commits need PostgreSQL; CI runs these with "
                              "DATABASE_URL set"),
    pytest.mark.urls(__name__),
]

ENTERED = threading.Event()
RELEASE = threading.Event()
RUNS: list[int] = []


class SlowView(APIView):
    """Holds its request until the test releases it."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        RUNS.append(1)
        ENTERED.set()
        assert RELEASE.wait(timeout=30)
        return Response({"done": True}, status=201)


# The slow view, and the project's own routes.
urlpatterns = [path("slow/", SlowView.as_view()), *coordination.urls.urlpatterns]


def run_together(target, count):
    """Run `target(index)` in `count` threads released at the same moment; return results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index):
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_many_requests_with_one_key_create_one_lead():
    source = SourceFactory(name="百度推广")
    _key, raw = api_key_create(name="Marketing tool", scopes=["leads:write"])
    body = {"source": source.pk, "name": "张三", "phone": "13800138000"}

    def send(_index):
        response = Client().post("/api/v1/leads/", body, content_type="application/json",
                                 HTTP_AUTHORIZATION=f"Api-Key {raw}",
                                 HTTP_IDEMPOTENCY_KEY="race")
        return response.status_code, response.has_header("Idempotent-Replayed")

    results = run_together(send, 6)

    assert not [result for result in results if isinstance(result, Exception)], results
    assert Lead.objects.count() == 1
    # One ran; each other one either found it running (409) or got its answer again.
    assert results.count((201, False)) == 1, results
    assert set(results) <= {(201, False), (201, True), (409, False)}, results
    assert IdempotencyRecord.objects.count() == 1


def test_a_retry_while_the_first_runs_gets_409_and_after_it_the_answer():
    ENTERED.clear()
    RELEASE.clear()
    RUNS.clear()
    user = UserFactory()
    first_client, second_client = Client(), Client()
    first_client.force_login(user)
    second_client.force_login(user)
    outcome = {}

    def first():
        try:
            outcome["first"] = first_client.post("/slow/", HTTP_IDEMPOTENCY_KEY="slow")
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert ENTERED.wait(timeout=30)
        during = second_client.post("/slow/", HTTP_IDEMPOTENCY_KEY="slow")
    finally:
        RELEASE.set()
        thread.join(timeout=30)
    after = second_client.post("/slow/", HTTP_IDEMPOTENCY_KEY="slow")

    assert during.status_code == 409
    assert during.json()["errors"][0]["field"] == "Idempotency-Key"
    assert outcome["first"].status_code == 201
    assert after.status_code == 201
    assert after["Idempotent-Replayed"] == "true"
    assert after.content == outcome["first"].content
    assert RUNS == [1]

"""Settings rows are read once per request or task, not once per record, and a save is seen."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coordination.core.request_cache import cached, forget_prefix, request_cache_scope
from leads.models import LeadSettings, QualitySettings
from leads.selectors import lead_settings
from leads.services import lead_create
from leads.services.quality import quality_settings
from tests.factories import SourceFactory

pytestmark = pytest.mark.django_db


def settings_reads(queries, table: str) -> int:
    return sum(1 for query in queries if f'"{table}"' in query["sql"] and "SELECT" in query["sql"])


def test_outside_a_scope_every_call_loads():
    calls = []
    cached("key", lambda: calls.append(1))
    cached("key", lambda: calls.append(1))
    assert len(calls) == 2


def test_inside_a_scope_a_value_is_loaded_once_and_dropped_with_the_scope():
    calls = []
    with request_cache_scope():
        assert cached("key", lambda: calls.append(1) or "first") == "first"
        assert cached("key", lambda: calls.append(1) or "second") == "first"
    with request_cache_scope():
        assert cached("key", lambda: calls.append(1) or "third") == "third"
    assert len(calls) == 2


def test_forget_prefix_drops_the_key_and_the_keys_below_it_only():
    with request_cache_scope():
        cached("a", lambda: 1)
        cached("a.b", lambda: 2)
        cached("ab", lambda: 3)
        forget_prefix("a")
        assert cached("a", lambda: 10) == 10
        assert cached("a.b", lambda: 20) == 20
        assert cached("ab", lambda: 30) == 3


def test_intake_reads_the_lead_settings_once_per_request_not_per_lead():
    source = SourceFactory()
    with request_cache_scope(), CaptureQueriesContext(connection) as queries:
        for number in range(5):
            lead_create(source=source, data={"name": f"客户{number}",
                                             "phone": f"1380013800{number}"})
    assert settings_reads(queries.captured_queries, "leads_leadsettings") == 1


def test_a_saved_lead_settings_row_is_read_afresh_in_the_same_request():
    with request_cache_scope():
        assert lead_settings().duplicate_window_days == 90
        row = LeadSettings.objects.get(pk=1)
        row.duplicate_window_days = 30
        row.save()
        assert lead_settings().duplicate_window_days == 30


def test_blind_review_is_read_once_per_request_and_a_save_is_seen(client):
    from leads.permissions import is_blind_reader
    from tests.factories import member

    reader = member("quality", is_adjudicator=True)
    QualitySettings.objects.create(pk=1, blind_review=True)
    with request_cache_scope(), CaptureQueriesContext(connection) as queries:
        assert is_blind_reader(reader) is True
        assert is_blind_reader(reader) is True
        assert settings_reads(queries.captured_queries, "leads_qualitysettings") == 1
        settings = quality_settings()
        settings.blind_review = False
        settings.save()
        assert is_blind_reader(reader) is False


def test_each_request_reads_the_settings_afresh(client):
    """No copy outlives its request: a change made elsewhere (another process, an update
    that bypasses save) is seen by the next request."""
    from django.urls import reverse

    from tests.factories import member

    reader = member("quality", is_adjudicator=True)
    QualitySettings.objects.create(pk=1, blind_review=True)
    client.force_login(reader)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("leads:disputes")).status_code == 200
        QualitySettings.objects.filter(pk=1).update(blind_review=False)
        assert client.get(reverse("leads:disputes")).status_code == 200
    reads = [query["sql"] for query in queries.captured_queries
             if '"leads_qualitysettings"' in query["sql"] and "SELECT" in query["sql"]]
    assert len(reads) == 2


def test_a_celery_task_runs_in_its_own_scope():
    from celery import shared_task

    from coordination.core import request_cache

    seen = []

    @shared_task
    def probe_task():
        seen.append(request_cache._scope.get())

    probe_task.apply()
    assert seen == [{}]
    assert request_cache._scope.get() is None

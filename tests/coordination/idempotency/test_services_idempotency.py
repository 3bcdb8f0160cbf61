"""The services under the middleware: claiming a key, and the sweep of expired records."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from coordination.core.errors import ApplicationError
from coordination.core.idempotency.models import IdempotencyRecord, IdempotencyStatus
from coordination.core.idempotency.services import (
    Outcome,
    idempotency_claim,
    idempotency_complete,
    idempotency_key_clean,
    idempotency_records_purge,
    idempotency_release,
)
from coordination.core.idempotency.tasks import idempotency_records_purge_task
from coordination.schedules import project_schedules

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime.datetime(2026, 11, 24, 2, 0, tzinfo=datetime.UTC)


def claim(key="k", request_hash="h" * 64, principal="user:1", now=NOW):
    return idempotency_claim(principal=principal, key=key, method="POST", path="/api/v1/leads/",
                             request_hash=request_hash, now=now)


def record(key, expires_at, **fields):
    return IdempotencyRecord.objects.create(
        principal="user:1", key=key, method="POST", path="/x/", request_hash="h" * 64,
        status=IdempotencyStatus.DONE, response_status=201, created_at=NOW,
        expires_at=expires_at, **fields)


@pytest.mark.django_db
def test_a_claim_decides_each_case():
    first = claim()
    assert first.outcome is Outcome.CLAIMED
    assert first.record.expires_at == NOW + datetime.timedelta(hours=24)
    assert claim().outcome is Outcome.IN_PROGRESS
    assert claim(request_hash="x" * 64).outcome is Outcome.MISMATCH
    assert claim(principal="user:2").outcome is Outcome.CLAIMED

    assert idempotency_complete(record=first.record, status_code=201, body=b"{}",
                                content_type="application/json", headers={})
    replay = claim()
    assert replay.outcome is Outcome.REPLAY
    assert bytes(replay.record.response_body) == b"{}"
    assert claim(request_hash="x" * 64).outcome is Outcome.MISMATCH
    # Completing twice writes nothing the second time.
    assert not idempotency_complete(record=first.record, status_code=500, body=b"",
                                    content_type="", headers={})


@pytest.mark.django_db
def test_a_released_key_is_free_again_and_releasing_twice_is_harmless():
    first = claim()
    idempotency_release(record=first.record)
    idempotency_release(record=first.record)
    assert claim().outcome is Outcome.CLAIMED


@pytest.mark.django_db
def test_a_released_done_record_is_kept():
    first = claim()
    idempotency_complete(record=first.record, status_code=201, body=b"{}",
                         content_type="application/json", headers={})
    idempotency_release(record=first.record)
    assert claim().outcome is Outcome.REPLAY


@pytest.mark.django_db
def test_an_expired_record_counts_as_absent():
    record("k", NOW - datetime.timedelta(seconds=1))
    fresh = claim()
    assert fresh.outcome is Outcome.CLAIMED
    assert IdempotencyRecord.objects.get().pk == fresh.record.pk


@pytest.mark.parametrize("value", ["a", "x" * 255, "550e8400-e29b-41d4-a716-446655440000",
                                   " ~!{}"])
def test_well_formed_keys_pass(value):
    assert idempotency_key_clean(value) == value


@pytest.mark.parametrize("value, code", [("", "blank"), ("x" * 256, "max_length"),
                                         ("a\nb", "invalid"), ("\x00", "invalid"),
                                         ("ключ", "invalid")])
def test_malformed_keys_name_the_header(value, code):
    with pytest.raises(ApplicationError) as raised:
        idempotency_key_clean(value)
    assert raised.value.field == "Idempotency-Key"
    assert raised.value.code == code


# The sweep -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweep_deletes_only_expired_records_and_is_safe_to_run_twice():
    record("expired", NOW - datetime.timedelta(seconds=1))
    record("just expired", NOW)
    kept = record("live", NOW + datetime.timedelta(seconds=1))

    assert idempotency_records_purge(now=NOW) == 2
    assert idempotency_records_purge(now=NOW) == 0
    assert list(IdempotencyRecord.objects.all()) == [kept]


@pytest.mark.django_db
def test_the_sweep_task_deletes_expired_records_in_one_statement(django_assert_num_queries):
    now = timezone.now()
    for index in range(5):
        record(f"old-{index}", now - datetime.timedelta(hours=1))
    record("live", now + datetime.timedelta(hours=1))

    with django_assert_num_queries(1):
        assert idempotency_records_purge_task.delay().get() == 5
    assert idempotency_records_purge_task.delay().get() == 0
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["live"]


def test_the_sweep_is_scheduled_hourly():
    schedule = next(schedule for schedule in project_schedules()
                    if schedule.task.endswith("idempotency_records_purge_task"))
    assert schedule.every_seconds == 3600


# Settings ------------------------------------------------------------------------------------


def manage(tmp_path, *args, **env_extra) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env |= {"TANDEM_VAR_DIR": str(tmp_path)} | env_extra
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("env, message", [
    ({"IDEMPOTENCY_KEY_TTL_SECONDS": "a day"}, "IDEMPOTENCY_KEY_TTL_SECONDS must be an integer"),
    ({"IDEMPOTENCY_KEY_TTL_SECONDS": "0"}, "IDEMPOTENCY_KEY_LOCK_SECONDS < "),
    ({"IDEMPOTENCY_KEY_LOCK_SECONDS": "-1"}, "0 < IDEMPOTENCY_KEY_LOCK_SECONDS"),
])
def test_a_bad_idempotency_setting_stops_the_start(tmp_path, env, message):
    result = manage(tmp_path, "check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_the_idempotency_settings_are_read_from_the_environment(tmp_path):
    result = manage(tmp_path, "shell", "-c",
                    "from django.conf import settings; print(settings.IDEMPOTENCY_KEY_TTL_SECONDS)",
                    IDEMPOTENCY_KEY_TTL_SECONDS="7200")
    assert result.stdout.strip().splitlines()[-1] == "7200", result.stderr

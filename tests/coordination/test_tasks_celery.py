"""A Celery round trip through a real worker process: on Redis when REDIS_URL is set, and on
the filesystem broker of the embedded default always."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery

from coordination.schedules import project_schedules

ROOT = Path(__file__).resolve().parents[2]


def _filesystem_options(var_dir: Path) -> dict:
    # The same layout the settings give the filesystem broker under TANDEM_VAR_DIR.
    queue = var_dir / "celery" / "queue"
    return {"data_folder_in": str(queue), "data_folder_out": str(queue),
            "processed_folder": str(var_dir / "celery" / "processed"),
            "control_folder": str(var_dir / "celery" / "control"), "store_processed": False}


def _brokers():
    yield pytest.param("filesystem", id="filesystem")
    if os.environ.get("REDIS_URL"):
        yield pytest.param("redis", id="redis")
    else:
        yield pytest.param("redis", id="redis", marks=pytest.mark.skip(
            reason="REDIS_URL is not set: the Redis round trip runs in CI (.ci/run)"))


@pytest.mark.parametrize("broker", list(_brokers()))
def test_task_round_trip_through_a_real_worker(broker, tmp_path):
    env = {**os.environ, "TANDEM_VAR_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "coordination.settings.base", "DEBUG": "0"}
    queue = f"roundtrip-{uuid.uuid4().hex[:8]}"
    if broker == "redis":
        broker_url = backend_url = os.environ["REDIS_URL"]
        env["CELERY_BROKER_URL"] = broker_url
        transport_options = {}
    else:
        broker_url = "filesystem://"
        backend_url = f"file://{tmp_path / 'celery' / 'results'}"
        env.pop("REDIS_URL", None)
        env["CELERY_BROKER_URL"] = broker_url
        env["CELERY_RESULT_BACKEND"] = backend_url
        transport_options = _filesystem_options(tmp_path)
        for folder in transport_options.values():
            if isinstance(folder, str):
                Path(folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / "celery" / "results").mkdir(parents=True, exist_ok=True)

    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "coordination", "worker", "--pool", "solo",
         "--queues", queue, "--without-heartbeat", "--without-gossip", "--without-mingle",
         "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    client = Celery("roundtrip-client", broker=broker_url, backend=backend_url)
    client.conf.broker_transport_options = transport_options
    client.conf.task_serializer = "json"
    client.conf.accept_content = ["json"]
    try:
        result = client.send_task("coordination.core.tasks.ping_task", args=["hello"], queue=queue)
        assert result.get(timeout=60) == "pong:hello"
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        client.close()
    assert b"Traceback" not in output, output.decode(errors="replace")


def test_every_schedule_names_a_registered_task():
    from coordination.celery import app

    app.loader.import_default_modules()
    schedules = project_schedules()
    # The core's three and the leads app's seven, each registered from its AppConfig.ready().
    assert len(schedules) == 10
    for schedule in schedules:
        assert schedule.task in app.tasks, schedule.task


def test_celery_is_configured_for_safe_delivery():
    from coordination.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_soft_time_limit < conf.task_time_limit
    visibility = (conf.broker_transport_options or {}).get("visibility_timeout")
    if visibility is not None:
        assert conf.task_time_limit < visibility


@pytest.mark.django_db
def test_setup_periodic_tasks_is_idempotent_and_keeps_admin_timing():
    from django.core.management import call_command
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    call_command("setup_periodic_tasks")
    call_command("setup_periodic_tasks")
    assert PeriodicTask.objects.filter(name="worker heartbeat").count() == 1
    task = PeriodicTask.objects.get(name="worker heartbeat")
    slower, _ = IntervalSchedule.objects.get_or_create(every=300, period=IntervalSchedule.SECONDS)
    task.interval = slower
    task.save()
    call_command("setup_periodic_tasks")
    assert PeriodicTask.objects.get(name="worker heartbeat").interval == slower

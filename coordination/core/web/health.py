"""Reachability of the database and the broker, for /healthz.

The broker is read from Celery's current app (the project's, loaded by coordination/__init__),
so the core does not import the project wiring."""

import os
from urllib.parse import urlparse

from celery import current_app as celery_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from coordination.core.org.models import Heartbeat

BROKER_TIMEOUT_SECONDS = 2


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; the reason is reported
        return False, exc.__class__.__name__
    return True, "ok"


def check_broker() -> tuple[bool, str]:
    url = celery_app.conf.broker_url or ""
    if url.startswith("filesystem://"):
        folder = (celery_app.conf.broker_transport_options or {}).get("data_folder_in", "")
        if folder and os.path.isdir(folder) and os.access(folder, os.W_OK):
            return True, "ok"
        return False, "queue folder missing or not writable"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                   timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001
        return False, exc.__class__.__name__
    return True, "ok"


def broker_kind() -> str:
    return urlparse(celery_app.conf.broker_url or "").scheme or "unknown"


def worker_last_seen() -> str | None:
    try:
        beat = Heartbeat.objects.filter(name="worker").values_list("beat_at", flat=True).first()
    except Exception:  # noqa: BLE001 - the database check reports the cause
        return None
    return timezone.localtime(beat).isoformat() if beat else None


def health_report() -> tuple[bool, dict]:
    database_ok, database_detail = check_database()
    broker_ok, broker_detail = check_broker()
    healthy = database_ok and broker_ok
    return healthy, {
        "status": "ok" if healthy else "unavailable",
        "database": {"ok": database_ok, "detail": database_detail,
                     "vendor": connection.vendor},
        "broker": {"ok": broker_ok, "detail": broker_detail, "transport": broker_kind()},
        "worker_last_heartbeat": worker_last_seen() if database_ok else None,
        "time": timezone.localtime().isoformat(),
        "debug": settings.DEBUG,
    }

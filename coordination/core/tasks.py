"""Celery tasks of the organisation core. Autodiscovery imports this module; tasks of the
core's subpackages are imported here so that the worker registers them."""

from celery import shared_task
from django.utils import timezone

from coordination.core.notifications.tasks import notification_email_task
from coordination.core.org.models import Heartbeat
from coordination.core.webhooks import tasks as webhook_tasks  # noqa: F401 - registers them

__all__ = ["heartbeat_task", "notification_email_task", "ping_task"]


@shared_task
def ping_task(value: str) -> str:
    """Echo `value`: proves a worker receives, runs and returns (used by the round-trip test)."""
    return f"pong:{value}"


@shared_task
def heartbeat_task(name: str = "worker") -> str:
    """Record that a worker ran a task scheduled by beat; /healthz shows when it last did."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": now})
    return now.isoformat()

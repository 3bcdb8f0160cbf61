"""Celery task of idempotency keys: thin, named after its service."""

from celery import shared_task

from coordination.core.idempotency.services import idempotency_records_purge


@shared_task
def idempotency_records_purge_task() -> int:
    """Hourly: delete expired idempotency records. Safe to run twice or on two workers at once:
    each deletes what has expired, and a second run finds nothing left."""
    return idempotency_records_purge()

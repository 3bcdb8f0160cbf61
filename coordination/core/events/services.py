"""Emitting events into the outbox. The registered consumers (webhook delivery) read the
outbox after commit."""

import logging

from django.db import transaction

from coordination.core.events.models import Event
from coordination.core.events.registry import EVENT_CONSUMERS

logger = logging.getLogger(__name__)


def event_emit(*, name: str, payload: dict) -> Event:
    """Record that `name` happened, with a JSON payload of ids and plain values. Call it inside
    the service's transaction: a rolled-back change emits nothing."""
    event = Event.objects.create(name=name, payload=payload)
    transaction.on_commit(lambda: _hand_over(event.pk))
    return event


def _hand_over(event_id: int) -> None:
    """Hand a committed event to each registered consumer (webhook delivery: a delivery per
    subscription listening to it, each sent by a Celery task).

    Never raises: the change the event reports is committed whatever happens here, and failing
    the caller now would only make someone repeat it. Each consumer has a sweep that takes up
    an event whose hand-over failed (webhooks: webhook_deliveries_due_task, a minute later).
    """
    for consumer in EVENT_CONSUMERS:
        try:
            consumer.consume(event_id)
        except Exception:
            logger.exception("Event %s was not handed to %s; its sweep retries it.",
                             event_id, consumer.key)

"""Emitting events into the outbox. Delivery (webhooks) reads the outbox after commit."""

import logging

from django.db import transaction

from coordination.core.events.models import Event
from coordination.core.webhooks.services import webhook_event_dispatch

logger = logging.getLogger(__name__)


def event_emit(*, name: str, payload: dict) -> Event:
    """Record that `name` happened, with a JSON payload of ids and plain values. Call it inside
    the service's transaction: a rolled-back change emits nothing."""
    event = Event.objects.create(name=name, payload=payload)
    transaction.on_commit(lambda: _dispatch_later(event.pk))
    return event


def _dispatch_later(event_id: int) -> None:
    """Hand a committed event to webhook delivery: a delivery per subscription listening to it,
    each sent by a Celery task.

    Never raises: the change the event reports is committed whatever happens here, and failing
    the caller now would only make someone repeat it. An event whose hand-over failed keeps
    `dispatched_at` empty, and the webhook sweep (webhook_deliveries_due_task) takes it up a
    minute later.
    """
    try:
        webhook_event_dispatch(event_id=event_id)
    except Exception:
        logger.exception("Event %s was not handed to webhook delivery; the sweep retries it.",
                         event_id)

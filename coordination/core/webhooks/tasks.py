"""Celery tasks of outbound webhooks: thin, named after their services, taking ids.

The services are imported inside the tasks because the services enqueue these tasks (a
module-level import both ways would be circular); importing the services module registers
these tasks wherever deliveries can be created.
"""

from celery import shared_task


@shared_task
def webhook_deliver_task(delivery_id: int) -> str | None:
    """Send one delivery if it is due. Safe to run twice or on two workers: one claims it."""
    from coordination.core.webhooks.services import webhook_deliver

    return webhook_deliver(delivery_id=delivery_id)


@shared_task
def webhook_deliveries_due_task() -> int:
    """Every minute: queue the deliveries whose next attempt is due, and hand over events that
    missed their after-commit dispatch."""
    from coordination.core.webhooks.services import webhook_deliveries_due

    return webhook_deliveries_due()

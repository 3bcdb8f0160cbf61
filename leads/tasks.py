"""Celery tasks of the leads app: thin, named after their services, taking ids."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from coordination.org.calendar import calendar_spec_for
from leads.services import (
    lead_assign_auto,
    lead_imports_expire,
    leads_assign_unassigned,
    leads_recycle_idle,
    leads_sweep_first_contact,
    leads_sweep_next_step,
)

logger = logging.getLogger(__name__)


@shared_task
def leads_assign_task(lead_ids: list[int]) -> int:
    """Assign newly created leads (enqueued after their transaction commits). Idempotent: a
    lead with an owner is left alone.

    Each lead is assigned in its own transaction (lead_assign_auto owns it), so locks are held
    for one lead at a time and one that fails is logged while the others go on; the periodic
    sweep of unassigned leads retries it.
    """
    spec = calendar_spec_for()  # once for the batch, not once per lead
    assigned = 0
    for lead_id in lead_ids:
        try:
            if lead_assign_auto(lead_id=lead_id, spec=spec).assignment is not None:
                assigned += 1
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            logger.exception("Assigning lead %s failed; the periodic sweep retries it", lead_id)
    return assigned


@shared_task
def leads_assign_unassigned_task() -> int:
    return leads_assign_unassigned()


@shared_task
def leads_reassign_overdue_task() -> dict:
    """Every minute: first-contact misses, then the next-step escalation ladder."""
    first = leads_sweep_first_contact()
    ladder = leads_sweep_next_step()
    return {"first_contact": first.as_dict(), "next_step": ladder.as_dict()}


@shared_task
def leads_recycle_idle_task() -> dict:
    return leads_recycle_idle().as_dict()


@shared_task
def lead_imports_expire_task() -> int:
    """Daily: cancel import previews nobody confirmed, dropping their rows."""
    return lead_imports_expire()

"""Celery tasks of the leads app: thin, named after their services, taking ids."""

import datetime
import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from coordination.core.org.calendar import calendar_spec_for
from leads.services import (
    disputes_escalate_overdue,
    inspections_draw,
    lead_assign_auto,
    lead_imports_expire,
    leads_assign_unassigned,
    leads_recycle_idle,
    leads_sample_for_adjudication,
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


@shared_task
def disputes_escalate_overdue_task() -> int:
    """Every minute: quality heads hear of disputes past their ruling deadline."""
    return disputes_escalate_overdue()


@shared_task
def leads_sample_for_adjudication_task() -> int:
    """Daily: draw yesterday's share of each source's leads for a ruling."""
    return leads_sample_for_adjudication(day=timezone.localdate() - datetime.timedelta(days=1))


@shared_task
def inspections_draw_task() -> int:
    """Daily: draw yesterday's follow-ups of each rep into the inspector queue."""
    return inspections_draw(day=timezone.localdate() - datetime.timedelta(days=1))

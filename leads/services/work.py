"""Working a lead: follow-ups, status changes, manual reassignment by a head."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.audit.services import audit_record, audit_snapshot
from coordination.errors import ApplicationError, PermissionDenied
from coordination.org.calendar import business_time_add, calendar_spec_for
from coordination.org.models import User
from coordination.org.selectors import user_is_available
from leads.models import (
    OPEN_STATUSES,
    AssignmentReason,
    ContactChannel,
    FollowUp,
    Lead,
    LeadStatus,
    LostReason,
    Outcome,
)
from leads.permissions import (
    can_change_lead_status,
    can_log_follow_up,
    can_reassign_lead,
    can_receive_lead_from,
)
from leads.services.assignment import lead_assign, next_step_sla
from leads.services.ladder import ladder_first_due


def _lock(lead: Lead) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).select_related("rule").get(pk=lead.pk)


@transaction.atomic
def follow_up_create(*, lead: Lead, author: User, channel: str, outcome: str, notes: str = "",
                     next_step: str = "", next_step_at: datetime.datetime | None = None,
                     now: datetime.datetime | None = None) -> FollowUp:
    """Log a follow-up on the author's own lead.

    The first follow-up stops the first-contact clock and makes the lead contacted. A next-step
    date sets the next-step deadline (a next step without a date gets the rule's next-step SLA
    in business time); the escalation ladder starts over.
    """
    now = now or timezone.now()
    lead = _lock(lead)
    if not can_log_follow_up(author, lead):
        raise PermissionDenied(_("Only the lead's owner can log a follow-up on it."))
    if lead.status not in OPEN_STATUSES:
        raise ApplicationError(_("This lead is closed (%(status)s).")
                               % {"status": lead.get_status_display()}, code="closed",
                               field="lead")
    if channel not in ContactChannel.values:
        raise ApplicationError(_("Choose a channel."), code="invalid", field="channel")
    if outcome not in Outcome.values:
        raise ApplicationError(_("Choose an outcome."), code="invalid", field="outcome")
    if next_step_at is not None:
        if timezone.is_naive(next_step_at):
            raise ApplicationError(_("Give the next step's date with a time zone."),
                                   code="naive_datetime", field="next_step_at")
        if next_step_at <= now:
            raise ApplicationError(_("The next step's date must be in the future."),
                                   code="in_the_past", field="next_step_at")
    follow_up = FollowUp.objects.create(lead=lead, author=author, channel=channel,
                                        outcome=outcome, notes=notes.strip(),
                                        next_step=next_step.strip()[:200],
                                        next_step_at=next_step_at)
    if lead.first_contacted_at is None:
        lead.first_contacted_at = now
    if lead.status in (LeadStatus.NEW, LeadStatus.ASSIGNED):
        lead.status = LeadStatus.CONTACTED
    lead.last_follow_up_at = now
    if next_step_at is None and next_step.strip():
        next_step_at = business_time_add(start=now, duration=next_step_sla(lead.rule),
                                         spec=calendar_spec_for())
    lead.next_step_due_at = next_step_at
    lead.escalation_step = 0
    lead.escalation_due_at = ladder_first_due(lead=lead) if next_step_at else None
    lead.save()
    audit_record(actor=author, verb="lead.follow_up", obj=lead,
                 after={"follow_up_id": follow_up.pk, "channel": channel, "outcome": outcome})
    return follow_up


@transaction.atomic
def lead_qualify(*, lead: Lead, actor: User) -> Lead:
    lead = _lock(lead)
    if not can_change_lead_status(actor, lead):
        raise PermissionDenied(_("You may not change this lead."))
    if lead.status != LeadStatus.CONTACTED:
        raise ApplicationError(_("Only a contacted lead can be qualified."), code="invalid_status",
                               field="status")
    before = audit_snapshot(lead, ["status"])
    lead.status = LeadStatus.QUALIFIED
    lead.save()
    audit_record(actor=actor, verb="lead.qualified", obj=lead, before=before,
                 after=audit_snapshot(lead, ["status"]))
    return lead


@transaction.atomic
def lead_win(*, lead: Lead, actor: User, value, currency: str = "CNY",
             now: datetime.datetime | None = None) -> Lead:
    """Mark a contacted or qualified lead won with the value of the deal."""
    now = now or timezone.now()
    lead = _lock(lead)
    if not can_change_lead_status(actor, lead):
        raise PermissionDenied(_("You may not change this lead."))
    if lead.status not in (LeadStatus.CONTACTED, LeadStatus.QUALIFIED):
        raise ApplicationError(_("Only a contacted or qualified lead can be won."),
                               code="invalid_status", field="status")
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ApplicationError(_("Enter the deal's value as a number."), code="invalid",
                               field="value") from None
    if amount < 0:
        raise ApplicationError(_("The value must not be negative."), code="invalid",
                               field="value")
    before = audit_snapshot(lead, ["status"])
    lead.status = LeadStatus.WON
    lead.won_value = amount.quantize(Decimal("0.01"))
    lead.won_currency = currency
    lead.closed_at = now
    lead.next_step_due_at = None
    lead.escalation_due_at = None
    lead.save()
    audit_record(actor=actor, verb="lead.won", obj=lead, before=before,
                 after={"status": lead.status, "won_value": str(lead.won_value)})
    return lead


@transaction.atomic
def lead_lose(*, lead: Lead, actor: User, reason: LostReason, note: str = "",
              now: datetime.datetime | None = None) -> Lead:
    """Mark a lead lost. A reason that allows it sends the lead to the pool for another try."""
    from leads.services.pool import lead_recycle, pool_for

    now = now or timezone.now()
    lead = _lock(lead)
    if not can_change_lead_status(actor, lead):
        raise PermissionDenied(_("You may not change this lead."))
    if lead.status not in OPEN_STATUSES:
        raise ApplicationError(_("This lead is already closed."), code="invalid_status",
                               field="status")
    before = audit_snapshot(lead, ["status", "owner"])
    lead.lost_reason = reason
    pool = pool_for(lead) if reason.recycle else None
    if pool is not None:
        # Recycled, not closed: the lead goes back to the pool and stays open.
        lead.save(update_fields=["lost_reason", "updated_at"])
        lead_recycle(lead=lead, pool=pool, note=note or reason.label, actor=actor, now=now)
        return lead
    lead.status = LeadStatus.LOST
    lead.closed_at = now
    lead.next_step_due_at = None
    lead.escalation_due_at = None
    lead.save()
    audit_record(actor=actor, verb="lead.lost", obj=lead, before=before,
                 after={"status": lead.status, "reason": reason.code, "note": note})
    return lead


@transaction.atomic
def lead_reassign_manual(*, lead: Lead, to_user: User, note: str, actor: User,
                         now: datetime.datetime | None = None):
    """A head gives a lead to another rep, with a reason."""
    lead = _lock(lead)
    if not can_reassign_lead(actor, lead):
        raise PermissionDenied(_("Only a sales head or the owner's team lead may reassign "
                                 "this lead."))
    if not note.strip():
        raise ApplicationError(_("Say why the lead is reassigned."), code="required",
                               field="note")
    if not to_user.is_active:
        raise ApplicationError(_("%(user)s is not active.") % {"user": to_user},
                               code="inactive", field="to_user")
    if not can_receive_lead_from(actor, to_user):
        raise ApplicationError(
            _("%(user)s is not a sales rep you may give leads to.") % {"user": to_user},
            code="not_allowed", field="to_user")
    now = now or timezone.now()
    if not user_is_available(user=to_user, at=now):
        raise ApplicationError(_("%(user)s is away now.") % {"user": to_user},
                               code="absent", field="to_user")
    if lead.owner_id == to_user.pk:
        raise ApplicationError(_("%(user)s already owns this lead.") % {"user": to_user},
                               code="same_owner", field="to_user")
    if lead.status not in OPEN_STATUSES:
        raise ApplicationError(_("This lead is closed."), code="invalid_status", field="lead")
    return lead_assign(lead=lead, rep=to_user, reason=AssignmentReason.MANUAL, actor=actor,
                       note=note.strip(), now=now)

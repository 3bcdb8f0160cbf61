"""Working a lead: follow-ups, status changes, manual reassignment by a head."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coordination.core.audit.services import audit_record, audit_snapshot
from coordination.core.errors import ApplicationError, PermissionDenied
from coordination.core.org.models import User
from coordination.core.org.selectors import user_is_available
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
from leads.selectors import lead_settings
from leads.services.assignment import lead_assign
from leads.services.ladder import ladder_first_due


def _lock(lead: Lead) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).select_related("rule").get(pk=lead.pk)


# PostgreSQL keeps UTC offsets up to ±15:59 and fails on larger ones; no time zone has more than
# ±14:00, so a larger offset is a mistake to name, not a date to store.
MAX_UTC_OFFSET = datetime.timedelta(hours=15, minutes=59)
NEXT_STEP_MAX_LENGTH = 200  # FollowUp.next_step


def _storable_text(value: str, *, field: str) -> str:
    """`value` stripped, or a field error if it holds what no database column can store: NUL
    (PostgreSQL refuses it in text) or a lone surrogate (no UTF-8 encoding exists for it)."""
    if "\x00" in value or any("\ud800" <= char <= "\udfff" for char in value):
        raise ApplicationError(_("Remove the invalid characters from this text."),
                               code="invalid_characters", field=field)
    return value.strip()


def _next_step_at_check(next_step_at: datetime.datetime | None, *, now: datetime.datetime,
                        max_days: int) -> datetime.datetime:
    if next_step_at is None:
        raise ApplicationError(_("Give the next step's date."), code="required",
                               field="next_step_at")
    if timezone.is_naive(next_step_at):
        raise ApplicationError(_("Give the next step's date with a time zone."),
                               code="naive_datetime", field="next_step_at")
    if abs(next_step_at.utcoffset()) > MAX_UTC_OFFSET:
        raise ApplicationError(_("The next step's date has a time zone offset beyond ±15:59."),
                               code="invalid_offset", field="next_step_at")
    # Differences, not sums: comparing aware datetimes cannot overflow at the calendar's edges,
    # `now + timedelta` could.
    if next_step_at <= now:
        raise ApplicationError(_("The next step's date must be in the future."),
                               code="in_the_past", field="next_step_at")
    if next_step_at - now > datetime.timedelta(days=max_days):
        raise ApplicationError(
            ngettext("The next step's date must be within %(days)d day.",
                     "The next step's date must be within %(days)d days.", max_days)
            % {"days": max_days}, code="beyond_horizon", field="next_step_at")
    return next_step_at


@transaction.atomic
def follow_up_create(*, lead: Lead, author: User, channel: str, outcome: str, notes: str,
                     next_step: str, next_step_at: datetime.datetime | None,
                     now: datetime.datetime | None = None) -> FollowUp:
    """Log a follow-up on the author's own lead: a real contact, and the lead's next clock.

    Guarantees, for every caller (pages, API, seed): a follow-up says what was said, in notes of
    at least LeadSettings.follow_up_notes_min_length characters (spaces not counted), names a
    channel and an outcome, and sets the next step and its date, in the future and at most
    LeadSettings.next_step_max_days ahead. Every outcome leaves the lead open (closing it is
    lead_win or lead_lose, which stop its clocks), so every follow-up needs its next step: a lead
    always has a clock that the sweep can see run out. A broken rule raises ApplicationError
    naming its field, and nothing is written: the first-contact clock keeps running.

    The first follow-up stops the first-contact clock and makes the lead contacted. The
    next-step date becomes the lead's next-step deadline; the escalation ladder starts over.
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
    settings = lead_settings()
    notes = _storable_text(notes, field="notes")
    min_length = settings.follow_up_notes_min_length
    if len("".join(notes.split())) < min_length:
        raise ApplicationError(
            ngettext("Write down what was said: at least %(count)d character.",
                     "Write down what was said: at least %(count)d characters.", min_length)
            % {"count": min_length}, code="too_short", field="notes")
    next_step = _storable_text(next_step, field="next_step")
    if not next_step:
        raise ApplicationError(_("Say what the next step is."), code="required",
                               field="next_step")
    if len(next_step) > NEXT_STEP_MAX_LENGTH:
        raise ApplicationError(
            _("Keep the next step within %(count)d characters.") % {"count": NEXT_STEP_MAX_LENGTH},
            code="too_long", field="next_step")
    next_step_at = _next_step_at_check(next_step_at, now=now,
                                       max_days=settings.next_step_max_days)
    follow_up = FollowUp.objects.create(lead=lead, author=author, channel=channel,
                                        outcome=outcome, notes=notes, next_step=next_step,
                                        next_step_at=next_step_at)
    if lead.first_contacted_at is None:
        lead.first_contacted_at = now
    if lead.status in (LeadStatus.NEW, LeadStatus.ASSIGNED):
        lead.status = LeadStatus.CONTACTED
    lead.last_follow_up_at = now
    lead.next_step_due_at = next_step_at
    lead.escalation_step = 0
    lead.escalation_due_at = ladder_first_due(lead=lead)
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

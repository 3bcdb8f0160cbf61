"""The reassignment sweep, run every minute by Celery beat.

Safe with several workers at once: each lead is locked with SKIP LOCKED and its condition is
checked again under the lock, and every action moves the lead's deadline forward, so a lead is
acted on once for one miss. The queries are served by partial indexes on the deadlines, so the
cost grows with the overdue leads, not with all leads.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.core.notifications.services import notify
from coordination.core.org.calendar import CalendarSpec, business_time_add, calendar_spec_for
from coordination.core.org.models import User
from leads.models import (
    FIRST_CONTACT_CLOCK,
    NEXT_STEP_CLOCK,
    OPEN_STATUSES,
    Assignment,
    AssignmentReason,
    AssignmentRule,
    Dispute,
    DisputeSide,
    DisputeStatus,
    Lead,
    LeadStatus,
    OnExhausted,
)
from leads.selectors import head_ids_of, previous_owner_ids, sales_head_ids
from leads.services.assignment import first_contact_sla, lead_assign, rep_pick
from leads.services.ladder import ladder_due, ladder_of
from leads.services.pool import lead_recycle, pool_for

# The leads whose first-contact clock runs (the clock of `Lead.current_deadline`): missed once
# its deadline passed.
FIRST_CONTACT_MISSED = FIRST_CONTACT_CLOCK.runs()


def _not_paused(queryset):
    """Leads under an open dispute keep their clocks running, unless the quality settings
    paused them when the dispute opened (the dispute then holds the paused deadlines); the
    sweep leaves those until the ruling, which moves the deadlines on."""
    paused = (Dispute.objects.filter(lead=OuterRef("pk"), status=DisputeStatus.OPEN)
              .exclude(side=DisputeSide.SAMPLE).exclude(paused_deadlines={}))
    return queryset.exclude(Exists(paused))


@dataclass
class SweepReport:
    reassigned: int = 0
    escalated: int = 0
    recycled: int = 0
    reminded: int = 0
    skipped: int = 0
    lead_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"reassigned": self.reassigned, "escalated": self.escalated,
                "recycled": self.recycled, "reminded": self.reminded, "skipped": self.skipped}


def _escalate_to_head(lead: Lead, now, spec, note) -> str:
    """After the last reassignment: the rule's pool, or the sales head."""
    rule = lead.rule
    if rule is not None and rule.on_exhausted == OnExhausted.POOL:
        pool = pool_for(lead)
        if pool is not None:
            lead_recycle(lead=lead, pool=pool, note=str(note), now=now)
            return "recycled"
    head_ids = sales_head_ids(team_id=rule.team_id if rule else None)
    head = User.objects.filter(pk__in=head_ids, is_active=True).order_by("pk").first()
    current_is_head = lead.owner_id in head_ids
    if head is None and not current_is_head:
        pool = pool_for(lead)
        if pool is not None:
            lead_recycle(lead=lead, pool=pool, note=str(note), now=now)
            return "recycled"
        # Nobody to escalate to and no pool: the owner keeps it and is reminded once per SLA
        # period, rather than the lead coming back every minute.
        current_is_head = True
    if current_is_head:
        # Already on the head's desk: remind instead of passing it round. A lead not yet
        # contacted is reminded once per SLA period; a worked lead once, at the ladder's end.
        if lead.first_contacted_at is None:
            lead.first_contact_due_at = business_time_add(
                start=now, duration=first_contact_sla(rule), spec=spec)
            lead.save(update_fields=["first_contact_due_at", "updated_at"])
        notify(recipient=lead.owner, title=_("Lead still not contacted: %(lead)s"),
               params={"lead": str(lead)}, target=lead, kind="lead.overdue")
        return "reminded"
    lead_assign(lead=lead, rep=head, reason=AssignmentReason.ESCALATION, rule=rule,
                note=str(note), now=now, spec=spec)
    return "escalated"


def _take_back(lead: Lead, now, spec, why) -> str:
    """Reassign to another rep of the pool (never a previous owner), or escalate."""
    rule = lead.rule
    max_reassignments = rule.max_reassignments if rule else 0
    if lead.reassignment_count >= max_reassignments or rule is None:
        return _escalate_to_head(lead, now, spec, _("Not worked after %(n)d reassignments.")
                                 % {"n": lead.reassignment_count})
    AssignmentRule.objects.select_for_update(no_key=True).filter(pk=rule.pk).first()
    # Never a previous owner, and never the current one (whatever the history says).
    exclude = previous_owner_ids(lead=lead) | {lead.owner_id}
    rep = rep_pick(rule=rule, now=now, exclude_ids=exclude)
    if rep is None:
        return _escalate_to_head(lead, now, spec, _("No other rep of the pool is available."))
    lead_assign(lead=lead, rep=rep, reason=AssignmentReason.REASSIGNMENT, rule=rule,
                note=str(why), now=now, spec=spec)
    return "reassigned"


def _count(report: SweepReport, outcome: str, lead_id: int) -> None:
    setattr(report, outcome, getattr(report, outcome) + 1)
    if outcome != "skipped":
        report.lead_ids.append(lead_id)


def leads_sweep_first_contact(*, now: datetime.datetime | None = None, limit: int = 500,
                              spec: CalendarSpec | None = None) -> SweepReport:
    """Take back leads whose first-contact deadline passed with no follow-up."""
    now = now or timezone.now()
    spec = spec or calendar_spec_for()
    report = SweepReport()
    candidates = list(_not_paused(Lead.objects.filter(FIRST_CONTACT_MISSED,
                                                      first_contact_due_at__lte=now))
                      .order_by("first_contact_due_at").values_list("pk", flat=True)[:limit])
    for lead_id in candidates:
        with transaction.atomic():
            # Skip locked rows: another worker is already reassigning them, and waiting would
            # only serialise the sweep. The condition is checked again under the lock.
            lead = (_not_paused(Lead.objects.select_for_update(skip_locked=True, of=("self",))
                                .select_related("rule")
                                .filter(FIRST_CONTACT_MISSED, pk=lead_id,
                                        first_contact_due_at__lte=now))
                    .first())
            if lead is None:
                report.skipped += 1
                continue
            if lead.first_contact_missed_at is None:
                # Stamped once, whatever happens next (reassignment, escalation, pool): the
                # first-contact SLA of this lead was missed.
                lead.first_contact_missed_at = now
                Lead.objects.filter(pk=lead.pk).update(first_contact_missed_at=now)
            _count(report, _take_back(lead, now, spec, _("First contact missed.")), lead_id)
    return report


def leads_sweep_next_step(*, now: datetime.datetime | None = None, limit: int = 500,
                          spec: CalendarSpec | None = None) -> SweepReport:
    """Climb the escalation ladder for leads whose next-step date passed without a follow-up."""
    now = now or timezone.now()
    spec = spec or calendar_spec_for()
    report = SweepReport()
    candidates = list(_not_paused(Lead.objects.filter(escalation_due_at__lte=now))
                      .order_by("escalation_due_at").values_list("pk", flat=True)[:limit])
    for lead_id in candidates:
        with transaction.atomic():
            lead = (_not_paused(Lead.objects.select_for_update(skip_locked=True, of=("self",))
                                .select_related("rule", "owner")
                                .filter(NEXT_STEP_CLOCK.runs(), pk=lead_id,
                                        escalation_due_at__lte=now))
                    .first())
            if lead is None:
                report.skipped += 1
                continue
            outcome = _next_step_escalate(lead, now, spec)
            _count(report, outcome, lead_id)
    return report


def _next_step_escalate(lead: Lead, now, spec) -> str:
    """Take every ladder step now due, at most once each; the last action wins the report."""
    ladder = ladder_of(lead)
    outcome = "skipped"
    while lead.escalation_step < len(ladder):
        due = ladder_due(lead=lead, step=lead.escalation_step, spec=spec)
        if due is None or due > now:
            break
        action = ladder[lead.escalation_step]["action"]
        lead.escalation_step += 1
        if action == "remind" and lead.owner_id:
            notify(recipient=lead.owner, title=_("Next step overdue: %(lead)s"),
                   body=_("The next step was due %(due)s."),
                   params={"lead": str(lead), "due": timezone.localtime(
                       lead.next_step_due_at).strftime("%Y-%m-%d %H:%M")},
                   target=lead, kind="lead.next_step_overdue")
            outcome = "reminded"
        elif action == "copy_head" and lead.owner_id:
            for head in User.objects.filter(pk__in=head_ids_of(user_id=lead.owner_id)):
                notify(recipient=head, title=_("%(rep)s missed a next step: %(lead)s"),
                       params={"rep": str(lead.owner), "lead": str(lead)}, target=lead,
                       kind="lead.next_step_overdue")
            outcome = "escalated"
        elif action == "reassign":
            lead.save(update_fields=["escalation_step", "updated_at"])
            # _take_back gives the lead a fresh next-step deadline and restarts the ladder.
            return _take_back(lead, now, spec, _("Next step missed."))
    lead.escalation_due_at = ladder_due(lead=lead, step=lead.escalation_step, spec=spec)
    lead.save(update_fields=["escalation_step", "escalation_due_at", "updated_at"])
    return outcome


def leads_recycle_idle(*, now: datetime.datetime | None = None, limit: int = 1000) -> SweepReport:
    """Send open leads with no follow-up for their rule's idle days to the pool."""
    now = now or timezone.now()
    report = SweepReport()
    for rule in AssignmentRule.objects.filter(recycle_after_idle_days__isnull=False):
        cutoff = now - datetime.timedelta(days=rule.recycle_after_idle_days)
        idle = (Q(rule=rule, owner__isnull=False, status__in=OPEN_STATUSES)
                & (Q(last_follow_up_at__lt=cutoff)
                   | Q(last_follow_up_at__isnull=True, assigned_at__lt=cutoff)))
        for lead_id in _not_paused(Lead.objects.filter(idle)).values_list("pk",
                                                                          flat=True)[:limit]:
            with transaction.atomic():
                lead = _not_paused(Lead.objects.select_for_update(skip_locked=True, of=("self",))
                                   .select_related("rule").filter(idle, pk=lead_id)).first()
                if lead is None:
                    report.skipped += 1
                    continue
                pool = pool_for(lead)
                if pool is None:
                    report.skipped += 1
                    continue
                lead_recycle(lead=lead, pool=pool, now=now, note=str(
                    _("No follow-up for %(days)d days.") % {"days": rule.recycle_after_idle_days}))
                _count(report, "recycled", lead_id)
    return report


def leads_assign_unassigned(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Retry assignment of leads left without owner (a rule or a rep may have appeared)."""
    from leads.services.assignment import lead_assign_auto

    now = now or timezone.now()
    ids = list(Lead.objects.filter(owner__isnull=True, pool__isnull=True, status=LeadStatus.NEW)
               .order_by("created_at").values_list("pk", flat=True)[:limit])
    assigned = 0
    for lead_id in ids:
        if lead_assign_auto(lead_id=lead_id, now=now).assignment is not None:
            assigned += 1
    return assigned


__all__ = ["Assignment", "SweepReport", "leads_assign_unassigned", "leads_recycle_idle",
           "leads_sweep_first_contact", "leads_sweep_next_step"]

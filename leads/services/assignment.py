"""The assignment engine: which rule takes a lead, which rep of its pool gets it, and the
record, deadlines and notifications of every change of owner."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.core.audit.services import audit_record
from coordination.core.errors import ApplicationError
from coordination.core.notifications.services import notify
from coordination.core.org.calendar import CalendarSpec, business_time_add, calendar_spec_for
from coordination.core.org.models import User
from coordination.core.text import json_text_check
from leads.models import (
    OPEN_STATUSES,
    REASSIGNMENT_REASONS,
    WORKED_STATUSES,
    Assignment,
    AssignmentReason,
    AssignmentRule,
    Lead,
    LeadStatus,
    RuleRepCounter,
    Strategy,
)
from leads.selectors import eligible_reps, rule_pool_user_ids, sales_head_ids

DEFAULT_FIRST_CONTACT_SLA = 30
DEFAULT_NEXT_STEP_SLA = 24 * 60
CONDITION_FIELDS = {"source", "campaign", "region", "product_interest"}
CONDITION_OPS = {"equals", "in"}


def rule_conditions_validate(conditions) -> None:
    """Raise ApplicationError (field "conditions") unless `conditions` is a list of
    {"field", "op", "value"} with known fields and operators."""
    if not isinstance(conditions, list):
        raise ApplicationError(_("Conditions must be a list."), code="invalid",
                               field="conditions")
    json_text_check(conditions, "conditions")
    for index, condition in enumerate(conditions, start=1):
        if not isinstance(condition, dict) or set(condition) != {"field", "op", "value"}:
            raise ApplicationError(
                _("Condition %(n)d must have exactly field, op and value.") % {"n": index},
                code="invalid", field="conditions")
        field = condition["field"]
        if field not in CONDITION_FIELDS and not (
            isinstance(field, str) and field.startswith("attributes.") and len(field) > 11
        ):
            raise ApplicationError(
                _("Condition %(n)d: unknown field “%(field)s”.") % {"n": index, "field": field},
                code="invalid", field="conditions")
        if condition["op"] not in CONDITION_OPS:
            raise ApplicationError(
                _("Condition %(n)d: the operator must be equals or in.") % {"n": index},
                code="invalid", field="conditions")
        if condition["op"] == "equals" and isinstance(condition["value"], list | dict):
            raise ApplicationError(
                _("Condition %(n)d: “equals” needs a single value; use “in” for a list.")
                % {"n": index}, code="invalid", field="conditions")
        if condition["op"] == "in" and not isinstance(condition["value"], list):
            raise ApplicationError(
                _("Condition %(n)d: “in” needs a list of values.") % {"n": index},
                code="invalid", field="conditions")


def _lead_value(lead: Lead, field: str):
    if field == "source":
        return {str(lead.source_id), lead.source.name}
    if field == "campaign":
        return {str(lead.campaign_id), lead.campaign.name} if lead.campaign_id else {""}
    if field.startswith("attributes."):
        value = (lead.attributes or {}).get(field.removeprefix("attributes."), "")
        return {str(value)}
    return {str(getattr(lead, field, "") or "")}


def rule_matches(rule: AssignmentRule, lead: Lead) -> bool:
    """All conditions hold. Source and campaign match by id or by name."""
    for condition in rule.conditions or []:
        values = _lead_value(lead, condition["field"])
        wanted = condition["value"] if condition["op"] == "in" else [condition["value"]]
        if not values & {str(item) for item in wanted}:
            return False
    return True


def first_contact_sla(rule: AssignmentRule | None) -> datetime.timedelta:
    minutes = rule.first_contact_sla_minutes if rule else DEFAULT_FIRST_CONTACT_SLA
    return datetime.timedelta(minutes=minutes)


def next_step_sla(rule: AssignmentRule | None) -> datetime.timedelta:
    minutes = rule.next_step_sla_minutes if rule else DEFAULT_NEXT_STEP_SLA
    return datetime.timedelta(minutes=minutes)


def _ordered_candidates(rule: AssignmentRule, reps: list[User]) -> list[User]:
    counters = {
        counter.user_id: counter
        for counter in RuleRepCounter.objects.filter(rule=rule, user__in=reps)
    }
    weights = (dict(rule.members.values_list("user_id", "weight"))
               if rule.strategy == Strategy.WEIGHTED else {})

    def count(rep):
        counter = counters.get(rep.pk)
        return counter.assigned_count if counter else 0

    def last(rep):
        counter = counters.get(rep.pk)
        stamp = counter.last_assigned_at if counter else None
        return stamp.timestamp() if stamp else 0.0

    if rule.strategy == Strategy.WEIGHTED:
        # Smooth weighting: the rep furthest below their share of the rule's leads goes next.
        return sorted(reps, key=lambda rep: ((count(rep) + 1) / weights.get(rep.pk, 1), last(rep),
                                             rep.pk))
    if rule.strategy == Strategy.LEAST_LOADED:
        return sorted(reps, key=lambda rep: (rep.open_leads, count(rep), last(rep), rep.pk))
    # Round robin: the fewest leads from this rule, then the longest wait.
    return sorted(reps, key=lambda rep: (count(rep), last(rep), rep.pk))


def rep_pick(*, rule: AssignmentRule, now: datetime.datetime,
             exclude_ids: set[int] = frozenset()) -> User | None:
    """The rep of `rule`'s pool who gets the next lead, or None if nobody can take one.

    Skips inactive and absent reps, reps at their daily cap and `exclude_ids`. The caller holds
    the rule's row lock, so concurrent workers pick one after the other and stay fair.
    """
    user_ids = [pk for pk in rule_pool_user_ids(rule=rule) if pk not in exclude_ids]
    if not user_ids:
        return None
    reps = list(eligible_reps(user_ids=user_ids, now=now, daily_cap=rule.daily_cap,
                              with_load=rule.strategy == Strategy.LEAST_LOADED))
    for rep in _ordered_candidates(rule, reps):
        if rule.daily_cap is None:
            return rep
        # The cap is per rep, but the rule lock only serialises this rule: another rule
        # sharing the rep may be assigning right now. Lock the rep (FOR NO KEY UPDATE, so
        # inserts referencing the rep are not blocked) and count again under the lock.
        User.objects.select_for_update(no_key=True).filter(pk=rep.pk).first()
        if eligible_reps(user_ids=[rep.pk], now=now, daily_cap=rule.daily_cap).exists():
            return rep
    return None


def _count_for_rule(rule: AssignmentRule, rep: User, now: datetime.datetime) -> None:
    updated = RuleRepCounter.objects.filter(rule=rule, user=rep).update(
        assigned_count=F("assigned_count") + 1, last_assigned_at=now)
    if not updated:
        RuleRepCounter.objects.create(rule=rule, user=rep, assigned_count=1,
                                      last_assigned_at=now)


def lead_assign(*, lead: Lead, rep: User | None, reason: str, rule: AssignmentRule | None = None,
                actor=None, note: str = "", now: datetime.datetime | None = None,
                spec: CalendarSpec | None = None) -> Assignment:
    """Give `lead` to `rep`: record the assignment, set the clock, notify old and new owner.

    The caller holds the lead's row lock inside its transaction. A lead not yet contacted gets a
    first-contact deadline; a lead already worked gets a fresh next-step deadline. Both are in
    business time by the calendar.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lead_assign must run inside the caller's transaction")
    now = now or timezone.now()
    spec = spec or calendar_spec_for()
    previous_owner_id = lead.owner_id
    rule = rule or lead.rule
    lead.owner = rep
    lead.assigned_at = now
    lead.rule = rule
    lead.pool = None
    lead.pooled_at = None
    lead.unassigned_reason = ""
    if reason in REASSIGNMENT_REASONS:
        lead.reassignment_count += 1
    if lead.first_contacted_at is None:
        lead.status = LeadStatus.ASSIGNED
        lead.first_contact_due_at = business_time_add(start=now, duration=first_contact_sla(rule),
                                                      spec=spec)
    elif lead.status in WORKED_STATUSES:
        lead.next_step_due_at = business_time_add(start=now, duration=next_step_sla(rule),
                                                  spec=spec)
        lead.escalation_step = 0
        lead.escalation_due_at = lead.next_step_due_at
    lead.save()
    assignment = Assignment.objects.create(lead=lead, to_user=rep, from_user_id=previous_owner_id,
                                           rule=rule, reason=reason, note=note[:300],
                                           actor=actor if getattr(actor, "pk", None) else None)
    if rule is not None and rep is not None and reason in {
        AssignmentReason.RULE, AssignmentReason.REASSIGNMENT, AssignmentReason.DUPLICATE
    }:
        _count_for_rule(rule, rep, now)
    audit_record(actor=actor, verb=f"lead.assigned.{reason}", obj=lead,
                 before={"owner_id": previous_owner_id},
                 after={"owner_id": rep.pk if rep else None, "rule_id": rule.pk if rule else None,
                        "note": note})
    if rep is not None:
        deadline = lead.current_deadline
        notify(recipient=rep, title=_("New lead for you: %(lead)s"),
               body=_("Contact them before %(due)s.") if deadline else "",
               params={"lead": str(lead), "due": timezone.localtime(deadline).strftime(
                   "%Y-%m-%d %H:%M") if deadline else ""},
               target=lead, kind="lead.assigned")
    if previous_owner_id and previous_owner_id != getattr(rep, "pk", None):
        notify(recipient=User.objects.get(pk=previous_owner_id),
               title=_("Lead taken back: %(lead)s"), body=_("Reason: %(reason)s"),
               params={"lead": str(lead),
                       "reason": AssignmentReason(assignment.reason).label},
               target=lead, kind="lead.reassigned")
    return assignment


def _notify_queue_heads(lead: Lead, rule: AssignmentRule | None, why) -> None:
    for head in User.objects.filter(pk__in=sales_head_ids(team_id=rule.team_id if rule else None)):
        notify(recipient=head, title=_("Lead waiting in the default queue: %(lead)s"),
               body=why, params={"lead": str(lead)}, target=lead, kind="lead.unassigned")


@dataclass
class AutoResult:
    assignment: Assignment | None
    reason: str = ""


def lead_assign_auto(*, lead_id: int, now: datetime.datetime | None = None,
                     spec: CalendarSpec | None = None) -> AutoResult:
    """Assign a new lead by the rules, or leave it in the default queue with its heads told.

    Idempotent: a lead that already has an owner, sits in the pool or is closed is left alone.
    Rules are tried by priority; a rule whose pool has nobody available gives way to the next.
    """
    now = now or timezone.now()
    with transaction.atomic():
        lead = (Lead.objects.select_for_update(of=("self",))
                .select_related("source", "campaign", "duplicate_of").filter(pk=lead_id).first())
        if lead is None or lead.owner_id or lead.pool_id or lead.status not in OPEN_STATUSES:
            return AutoResult(None, "nothing to do")
        original = lead.duplicate_of
        if original is not None and original.owner_id:
            owner = eligible_reps(user_ids=[original.owner_id], now=now, daily_cap=None).first()
            if owner is not None:
                return AutoResult(lead_assign(lead=lead, rep=owner,
                                              reason=AssignmentReason.DUPLICATE,
                                              rule=original.rule, now=now, spec=spec))
        for rule in AssignmentRule.objects.filter(is_active=True).order_by("priority", "id"):
            if not rule_matches(rule, lead):
                continue
            # Lock the rule: concurrent workers pick from its pool one after the other. FOR NO
            # KEY UPDATE does not block inserts that reference the rule (assignments), so it
            # cannot deadlock with a claim or the sweep writing one.
            AssignmentRule.objects.select_for_update(no_key=True).filter(pk=rule.pk).first()
            rep = rep_pick(rule=rule, now=now)
            if rep is not None:
                return AutoResult(lead_assign(lead=lead, rep=rep, reason=AssignmentReason.RULE,
                                              rule=rule, now=now, spec=spec))
        why = _("No assignment rule matched, or no rep of a matching rule was available.")
        first_time = not lead.unassigned_reason
        lead.unassigned_reason = str(why)[:200]
        lead.save(update_fields=["unassigned_reason", "updated_at"])
        if first_time:
            _notify_queue_heads(lead, None, why)
        return AutoResult(None, "default queue")

"""The lead pool (公海): leads recycled by rule, claimed first come, first served."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.core.audit.services import audit_record
from coordination.core.errors import ApplicationError
from coordination.core.org.calendar import start_of_local_day
from coordination.core.org.models import User
from leads.models import OPEN_STATUSES, Assignment, AssignmentReason, Lead, LeadPool
from leads.permissions import can_claim_from
from leads.selectors import lead_settings, previous_owner_ids
from leads.services.assignment import lead_assign


def pool_for(lead: Lead) -> LeadPool | None:
    """The pool a lead is recycled to: its rule's, else the company default."""
    if lead.rule_id and lead.rule.recycle_pool_id:
        return lead.rule.recycle_pool
    return lead_settings().default_pool


def lead_recycle(*, lead: Lead, pool: LeadPool, note: str = "", actor=None,
                 now: datetime.datetime | None = None) -> Assignment:
    """Take a lead from its owner into `pool`. The caller holds the lead's row lock."""
    now = now or timezone.now()
    previous_owner_id = lead.owner_id
    lead.owner = None
    lead.pool = pool
    lead.pooled_at = now
    lead.first_contact_due_at = None if lead.first_contacted_at is None else \
        lead.first_contact_due_at
    lead.next_step_due_at = None
    lead.escalation_due_at = None
    lead.escalation_step = 0
    lead.save()
    assignment = Assignment.objects.create(lead=lead, to_user=None,
                                           from_user_id=previous_owner_id, rule=lead.rule,
                                           reason=AssignmentReason.POOL, note=note[:300],
                                           actor=actor if getattr(actor, "pk", None) else None)
    audit_record(actor=actor, verb="lead.recycled", obj=lead,
                 before={"owner_id": previous_owner_id}, after={"pool_id": pool.pk,
                                                                "note": note})
    if previous_owner_id:
        from django.utils.translation import gettext_lazy

        from coordination.core.notifications.services import notify

        notify(recipient=User.objects.get(pk=previous_owner_id),
               title=gettext_lazy("Lead moved to the lead pool: %(lead)s"),
               body=note, params={"lead": str(lead)}, target=lead, kind="lead.recycled")
    return assignment


@transaction.atomic
def lead_claim(*, lead: Lead, user: User, now: datetime.datetime | None = None) -> Assignment:
    """`user` claims a lead from the pool. First come, first served: of two reps clicking at
    once, one gets the lead and the other an error saying it is gone.

    Refused past the pool's daily claim limit, at the holding capacity, and within the
    cool-down for a previous owner of the lead.
    """
    now = now or timezone.now()
    # One claim at a time per rep, so that two tabs cannot pass the limits together. FOR NO KEY
    # UPDATE: it does not block inserts that reference the rep, so it cannot deadlock with them.
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
    locked = (Lead.objects.select_for_update(of=("self",)).select_related("pool", "rule")
              .filter(pk=lead.pk).first())
    if locked is None or locked.pool_id is None or locked.owner_id is not None:
        raise ApplicationError(_("Someone else claimed this lead first."), code="already_claimed",
                               field="lead")
    pool = locked.pool
    if not can_claim_from(user, pool):
        raise ApplicationError(_("You may not claim leads from the pool “%(pool)s”.")
                               % {"pool": pool}, code="not_allowed", field="lead")
    claimed_today = Assignment.objects.filter(to_user=user, reason=AssignmentReason.CLAIM,
                                              created_at__gte=start_of_local_day(now)).count()
    if claimed_today >= pool.daily_claim_limit:
        raise ApplicationError(
            _("You have claimed %(count)d leads today, the daily limit of this pool.")
            % {"count": claimed_today}, code="daily_limit", field="lead")
    holding = Lead.objects.filter(owner=user, status__in=OPEN_STATUSES).count()
    if holding >= pool.holding_capacity:
        raise ApplicationError(
            _("You hold %(count)d open leads, the capacity of this pool. Close some first.")
            % {"count": holding}, code="holding_capacity", field="lead")
    if user.pk in previous_owner_ids(lead=locked) and locked.pooled_at and (
        now - locked.pooled_at < datetime.timedelta(days=pool.cooldown_days)
    ):
        available = timezone.localtime(
            locked.pooled_at + datetime.timedelta(days=pool.cooldown_days))
        raise ApplicationError(
            _("You owned this lead before; you may claim it again from %(when)s.")
            % {"when": available.strftime("%Y-%m-%d %H:%M")}, code="cooldown", field="lead")
    return lead_assign(lead=locked, rep=user, reason=AssignmentReason.CLAIM, actor=user, now=now)

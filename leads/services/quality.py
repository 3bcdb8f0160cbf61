"""Lead quality judged by the neutral quality department: disputes, rulings, corrections,
dispute caps, the daily sample, and the escalation of overdue disputes."""

import datetime
import math
import random

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination.audit.services import audit_record
from coordination.errors import ApplicationError, PermissionDenied
from coordination.events.services import event_emit
from coordination.notifications.services import notify
from coordination.org.calendar import CalendarSpec, business_time_add, calendar_spec_for
from coordination.org.models import DepartmentKind, Membership, Role, User
from leads.models import (
    Dispute,
    DisputeAttachment,
    DisputeCap,
    DisputeGround,
    DisputeSide,
    DisputeStatus,
    FollowUp,
    Lead,
    QualitySettings,
    Ruling,
    Source,
    Verdict,
)
from leads.permissions import can_correct_ruling, can_open_dispute, can_rule, quality_side


def quality_settings() -> QualitySettings:
    settings, _created = QualitySettings.objects.get_or_create(pk=1)
    return settings


def month_start(moment: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def claim_of(side: str) -> str | None:
    """What a dispute asserts: sales says the lead it got is not a real lead; marketing says a
    lead sales gave up on is. The daily sample asserts nothing."""
    return {DisputeSide.SALES: Verdict.INVALID, DisputeSide.MARKETING: Verdict.VALID}.get(side)


def _quality_head_ids() -> list[int]:
    return list(Membership.objects.filter(
        department__kind=DepartmentKind.QUALITY, role=Role.HEAD, user__is_active=True,
    ).values_list("user_id", flat=True))


def _check_caps(*, lead: Lead, side: str, now: datetime.datetime) -> None:
    """Refuse a dispute that would take disputed leads past a cap for this month."""
    caps = DisputeCap.objects.filter(Q(source_id=lead.source_id) | Q(source__isnull=True),
                                     side__in=[side, ""])
    start = month_start(now)
    for cap in caps:
        leads = Lead.objects.filter(created_at__gte=start)
        disputes = Dispute.objects.filter(created_at__gte=start).exclude(side=DisputeSide.SAMPLE)
        if cap.source_id:
            leads = leads.filter(source_id=cap.source_id)
            disputes = disputes.filter(lead__source_id=cap.source_id)
        if cap.side:
            disputes = disputes.filter(side=cap.side)
        allowed = math.floor(leads.count() * cap.max_share / 100)
        if disputes.count() + 1 > allowed:
            raise ApplicationError(
                _("The dispute cap is reached: at most %(share)s%% of this month's leads "
                  "%(scope)s may be disputed (%(allowed)d).") % {
                    "share": cap.max_share.normalize(), "allowed": allowed,
                    "scope": _("of %(source)s") % {"source": cap.source} if cap.source_id
                    else _("of all sources")},
                code="dispute_cap", field="lead")


@transaction.atomic
def dispute_open(*, lead: Lead, actor, ground: str, evidence: str = "",
                 follow_ups: list[FollowUp] | None = None, files: list | None = None,
                 now: datetime.datetime | None = None,
                 spec: CalendarSpec | None = None) -> Dispute:
    """Open a dispute on a lead's quality, with grounds and evidence.

    One open dispute per lead; within the dispute caps; the ruling falls due after the ruling
    SLA in business time. The lead stays with its owner, and its clocks run on unless the
    quality settings pause them.
    """
    now = now or timezone.now()
    lead = Lead.objects.select_for_update(of=("self",)).select_related("source").get(pk=lead.pk)
    if not can_open_dispute(actor, lead):
        raise PermissionDenied(_("You may not dispute this lead."))
    side = quality_side(actor)
    if ground not in DisputeGround.values:
        raise ApplicationError(_("Choose the grounds of the dispute."), code="invalid",
                               field="ground")
    follow_ups = list(follow_ups or [])
    if any(follow_up.lead_id != lead.pk for follow_up in follow_ups):
        raise ApplicationError(_("Linked follow-ups must be follow-ups of this lead."),
                               code="invalid", field="follow_ups")
    files = list(files or [])
    if not evidence.strip() and not follow_ups and not files:
        raise ApplicationError(_("Give evidence: a description or linked follow-ups."),
                               code="required", field="evidence")
    if Dispute.objects.filter(lead=lead, status=DisputeStatus.OPEN).exists():
        raise ApplicationError(_("This lead already has an open dispute."),
                               code="already_disputed", field="lead")
    _check_caps(lead=lead, side=side, now=now)
    settings = quality_settings()
    due_at = business_time_add(start=now, duration=datetime.timedelta(
        minutes=settings.ruling_sla_minutes), spec=spec or calendar_spec_for())
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(lead=lead, side=side, opened_by=actor,
                                             ground=ground, evidence=evidence.strip(),
                                             due_at=due_at)
    except IntegrityError:
        raise ApplicationError(_("This lead already has an open dispute."),
                               code="already_disputed", field="lead") from None
    dispute.follow_ups.set(follow_ups)
    for file in files:
        # Files are written to storage as their rows are saved; a later failure rolls the rows
        # back and leaves at most an orphan file, never a row without its file.
        DisputeAttachment.objects.create(dispute=dispute, file=file, uploaded_by=actor)
    audit_record(actor=actor, verb="dispute.opened", obj=dispute,
                 after={"lead_id": lead.pk, "side": side, "ground": ground})
    event_emit(name="dispute.opened", payload={
        "dispute": dispute.pk, "lead": lead.pk, "side": side, "ground": ground,
        "due_at": due_at.isoformat()})
    for head in User.objects.filter(pk__in=_quality_head_ids()):
        notify(recipient=head, title=gettext_lazy("New lead-quality dispute: %(lead)s"),
               params={"lead": str(lead)}, target=dispute, kind="dispute.opened")
    return dispute


def _apply_verdict(*, dispute: Dispute, ruling: Ruling, now: datetime.datetime) -> None:
    lead = Lead.objects.select_for_update(of=("self",)).get(pk=dispute.lead_id)
    paused_for = now - dispute.created_at
    lead.quality_verdict = ruling.verdict
    if quality_settings().pause_clocks_during_dispute and dispute.side != DisputeSide.SAMPLE:
        # The clocks stood still while the dispute was open: move the running ones on.
        for field in ("first_contact_due_at", "next_step_due_at", "escalation_due_at"):
            value = getattr(lead, field)
            if value is not None and value > dispute.created_at:
                setattr(lead, field, value + paused_for)
    lead.save()


def _announce_ruling(dispute: Dispute, ruling: Ruling, actor) -> None:
    audit_record(actor=actor, verb="dispute.ruled", obj=dispute, after={
        "ruling": ruling.pk, "verdict": ruling.verdict, "reason": ruling.reason,
        "supersedes": ruling.supersedes_id})
    event_emit(name="dispute.ruled", payload={
        "dispute": dispute.pk, "lead": dispute.lead_id, "ruling": ruling.pk,
        "verdict": ruling.verdict, "reason": ruling.reason,
        "supersedes": ruling.supersedes_id})
    recipients = {dispute.opened_by_id, dispute.lead.owner_id} - {None}
    for user in User.objects.filter(pk__in=recipients):
        notify(recipient=user, title=gettext_lazy("Dispute ruled: %(lead)s — %(verdict)s"),
               params={"lead": str(dispute.lead), "verdict": Verdict(ruling.verdict).label},
               target=dispute, kind="dispute.ruled")


def _check_verdict(verdict: str, reason: str) -> None:
    if verdict not in Verdict.values:
        raise ApplicationError(_("Rule the lead valid or invalid."), code="invalid",
                               field="verdict")
    if verdict == Verdict.INVALID and reason not in DisputeGround.values:
        raise ApplicationError(_("An invalid ruling needs a reason."), code="required",
                               field="reason")
    if verdict == Verdict.VALID and reason:
        raise ApplicationError(_("A valid ruling takes no reason code; write a note instead."),
                               code="invalid", field="reason")


@transaction.atomic
def dispute_rule(*, dispute: Dispute, verdict: str, actor, reason: str = "", note: str = "",
                 now: datetime.datetime | None = None) -> Ruling:
    """Rule an open dispute. Only an adjudicator of the quality department may; the ruling is
    final, stamped with who and when, and counts in both sides' metrics."""
    now = now or timezone.now()
    if not can_rule(actor):
        raise PermissionDenied(_("Only an adjudicator of the quality department may rule."))
    dispute = (Dispute.objects.select_for_update(of=("self",)).select_related("lead")
               .get(pk=dispute.pk))
    if dispute.status != DisputeStatus.OPEN:
        raise ApplicationError(_("This dispute is already ruled; a quality head may correct "
                                 "the ruling."), code="already_ruled", field="dispute")
    _check_verdict(verdict, reason)
    ruling = Ruling.objects.create(dispute=dispute, verdict=verdict, reason=reason,
                                   note=note.strip(), ruled_by=actor)
    Dispute.objects.filter(pk=dispute.pk).update(status=DisputeStatus.RULED, ruled_at=now,
                                                 updated_at=now)
    _apply_verdict(dispute=dispute, ruling=ruling, now=now)
    _announce_ruling(dispute, ruling, actor)
    return ruling


@transaction.atomic
def ruling_correct(*, ruling: Ruling, verdict: str, actor, reason: str = "", note: str = "",
                   now: datetime.datetime | None = None) -> Ruling:
    """A quality-department head corrects a ruling: a new ruling that supersedes and names the
    old one, which stays as it was."""
    now = now or timezone.now()
    if not can_correct_ruling(actor):
        raise PermissionDenied(_("Only a head of the quality department may correct a ruling."))
    if not note.strip():
        raise ApplicationError(_("Say why the ruling is corrected."), code="required",
                               field="note")
    _check_verdict(verdict, reason)
    dispute = (Dispute.objects.select_for_update(of=("self",)).select_related("lead")
               .get(pk=ruling.dispute_id))
    if Ruling.objects.filter(supersedes=ruling).exists():
        raise ApplicationError(_("This ruling was already corrected; correct the newest one."),
                               code="superseded", field="ruling")
    try:
        with transaction.atomic():
            correction = Ruling.objects.create(dispute=dispute, verdict=verdict, reason=reason,
                                               note=note.strip(), ruled_by=actor,
                                               supersedes=ruling)
    except IntegrityError:
        raise ApplicationError(_("This ruling was already corrected; correct the newest one."),
                               code="superseded", field="ruling") from None
    lead = Lead.objects.select_for_update(of=("self",)).get(pk=dispute.lead_id)
    lead.quality_verdict = verdict
    lead.save(update_fields=["quality_verdict", "updated_at"])
    _announce_ruling(dispute, correction, actor)
    return correction


def disputes_escalate_overdue(*, now: datetime.datetime | None = None) -> int:
    """Tell the quality heads about disputes past their ruling deadline, once each. Safe with
    two workers: the compare-and-set on escalated_at lets one of them send."""
    now = now or timezone.now()
    heads = list(User.objects.filter(pk__in=_quality_head_ids()))
    count = 0
    for dispute in (Dispute.objects.filter(status=DisputeStatus.OPEN, escalated_at__isnull=True,
                                           due_at__lte=now).select_related("lead")[:500]):
        with transaction.atomic():
            if not Dispute.objects.filter(pk=dispute.pk, escalated_at__isnull=True).update(
                    escalated_at=now):
                continue
            for head in heads:
                notify(recipient=head, title=gettext_lazy("Dispute overdue for a ruling: %(lead)s"),
                       params={"lead": str(dispute.lead)}, target=dispute,
                       kind="dispute.overdue")
            count += 1
    return count


def leads_sample_for_adjudication(*, day: datetime.date, now: datetime.datetime | None = None,
                                  seed: int | None = None) -> int:
    """Draw the quality settings' share of each source's leads created on `day` for a ruling,
    so lead quality is measured where nobody disputes. Idempotent per source and day: a second
    run draws only what is missing; two workers are kept apart by a lock on the source."""
    now = now or timezone.now()
    settings = quality_settings()
    spec = calendar_spec_for()
    due_at = business_time_add(start=now, duration=datetime.timedelta(
        minutes=settings.ruling_sla_minutes), spec=spec)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(0), tz)
    end = start + datetime.timedelta(days=1)
    rng = random.Random(seed)  # noqa: S311 - a statistical sample, not a secret
    drawn = 0
    for source_id in Source.objects.filter(is_active=True).values_list("pk", flat=True):
        with transaction.atomic():
            Source.objects.select_for_update(no_key=True).filter(pk=source_id).first()
            day_leads = Lead.objects.filter(source_id=source_id, created_at__gte=start,
                                            created_at__lt=end)
            total = day_leads.count()
            wanted = math.ceil(total * settings.sample_share / 100)
            already = Dispute.objects.filter(side=DisputeSide.SAMPLE,
                                             lead__in=day_leads).count()
            if wanted <= already:
                continue
            open_dispute = Dispute.objects.filter(lead=OuterRef("pk"), status=DisputeStatus.OPEN)
            sampled = Dispute.objects.filter(lead=OuterRef("pk"), side=DisputeSide.SAMPLE)
            candidates = list(day_leads.exclude(Exists(open_dispute)).exclude(Exists(sampled))
                              .values_list("pk", flat=True))
            picks = rng.sample(candidates, min(wanted - already, len(candidates)))
            Dispute.objects.bulk_create([
                Dispute(lead_id=lead_id, side=DisputeSide.SAMPLE, due_at=due_at)
                for lead_id in picks])
            drawn += len(picks)
    return drawn

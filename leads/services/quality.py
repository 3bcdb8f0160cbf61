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

from coordination.core.audit.services import audit_record
from coordination.core.errors import ApplicationError, PermissionDenied
from coordination.core.events.services import event_emit
from coordination.core.notifications.services import notify
from coordination.core.org.calendar import (
    CalendarSpec,
    business_time_add,
    business_time_between,
    calendar_spec_for,
)
from coordination.core.org.models import DepartmentKind, Membership, Role, User
from coordination.core.request_cache import cached
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
from leads.services.evidence import evidence_count_validate, evidence_file_validate


def quality_settings() -> QualitySettings:
    """The one settings row, read once per request or task (saving it forgets the copy)."""
    return cached(QualitySettings.CACHE_KEY,
                  lambda: QualitySettings.objects.get_or_create(pk=1)[0])


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
    """Refuse a dispute that would take the disputed share of the lead's monthly cohort (the
    leads created in the same month, of the cap's source) past a cap."""
    # Locked, so that concurrent disputes are counted one after the other.
    caps = list(DisputeCap.objects.select_for_update().filter(
        Q(source_id=lead.source_id) | Q(source__isnull=True), side__in=[side, ""]
    ).order_by("pk"))
    # The cohort of the disputed lead: leads created in its month, and the disputes on them.
    start = month_start(lead.created_at)
    end = month_start(start + datetime.timedelta(days=32))
    for cap in caps:
        leads = Lead.objects.filter(created_at__gte=start, created_at__lt=end)
        disputes = Dispute.objects.filter(lead__created_at__gte=start,
                                          lead__created_at__lt=end).exclude(
            side=DisputeSide.SAMPLE)
        if cap.source_id:
            leads = leads.filter(source_id=cap.source_id)
            disputes = disputes.filter(lead__source_id=cap.source_id)
        if cap.side:
            disputes = disputes.filter(side=cap.side)
        allowed = math.floor(leads.count() * cap.max_share / 100)
        if disputes.count() + 1 > allowed:
            raise ApplicationError(
                _("The dispute cap is reached: at most %(share)s%% of the leads %(scope)s "
                  "created in the lead's month may be disputed (%(allowed)d).") % {
                    "share": f"{cap.max_share:.2f}".rstrip("0").rstrip("."),
                    "allowed": allowed,
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
    # The one door for evidence files: every caller gets the same checks.
    evidence_count_validate(len(files))
    for file in files:
        evidence_file_validate(file)
    if not evidence.strip() and not follow_ups and not files:
        raise ApplicationError(_("Give evidence: a description or linked follow-ups."),
                               code="required", field="evidence")
    if Dispute.objects.filter(lead=lead, status=DisputeStatus.OPEN).exists():
        raise ApplicationError(_("This lead already has an open dispute."),
                               code="already_disputed", field="lead")
    if Ruling.objects.filter(dispute__lead=lead).exists():
        # A ruling is final: it is not argued again before another adjudicator.
        raise ApplicationError(_("This lead's quality has been ruled; only a quality head may "
                                 "correct the ruling."), code="already_ruled", field="lead")
    _check_caps(lead=lead, side=side, now=now)
    settings = quality_settings()
    due_at = business_time_add(start=now, duration=datetime.timedelta(
        minutes=settings.ruling_sla_minutes), spec=spec or calendar_spec_for())
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                lead=lead, side=side, opened_by=actor, ground=ground, evidence=evidence.strip(),
                due_at=due_at, paused_deadlines={
                    field: getattr(lead, field).isoformat()
                    for field in ("first_contact_due_at", "next_step_due_at", "escalation_due_at")
                    if getattr(lead, field) is not None
                } if settings.pause_clocks_during_dispute else {})
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


def lead_current_verdict(*, lead_id: int) -> str:
    """The verdict of the lead's ruling in force (`RulingQuerySet.in_force`; the newest, should
    the lead have had more than one ruled dispute); "" when never ruled."""
    current = (Ruling.objects.in_force().filter(dispute__lead_id=lead_id)
               .order_by("-created_at", "-id").values_list("verdict", flat=True).first())
    return current or ""


def _stop_clocks_if_invalid(lead: Lead) -> None:
    # A lead ruled not a real lead is not chased: its clocks stop.
    if lead.quality_verdict == Verdict.INVALID:
        if lead.first_contacted_at is None:
            lead.first_contact_due_at = None
        lead.next_step_due_at = None
        lead.escalation_due_at = None


def _apply_verdict(*, dispute: Dispute, ruling: Ruling, now: datetime.datetime) -> None:
    lead = Lead.objects.select_for_update(of=("self",)).get(pk=dispute.lead_id)
    lead.quality_verdict = lead_current_verdict(lead_id=lead.pk)
    _stop_clocks_if_invalid(lead)
    if dispute.paused_deadlines and lead.quality_verdict != Verdict.INVALID:
        # The clocks stood still while the dispute was open: a deadline still as it was when
        # the dispute opened moves on by the business time the dispute took; one set during
        # the dispute (a new follow-up) is left as set.
        spec = calendar_spec_for()
        stood = business_time_between(start=dispute.created_at, end=now, spec=spec)
        for field, was in dispute.paused_deadlines.items():
            value = getattr(lead, field)
            if value is not None and value.isoformat() == was:
                setattr(lead, field, business_time_add(start=value, duration=stood, spec=spec))
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
    if not Ruling.objects.in_force().filter(pk=ruling.pk).exists():
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
    lead.quality_verdict = lead_current_verdict(lead_id=lead.pk)
    _stop_clocks_if_invalid(lead)
    lead.save()
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
            # Leads disputed or ruled already are not drawn: a ruling is final.
            disputed = Dispute.objects.filter(lead=OuterRef("pk"))
            candidates = list(day_leads.exclude(Exists(disputed)).order_by("pk")
                              .values_list("pk", flat=True))
            picks = rng.sample(candidates, min(wanted - already, len(candidates)))
            # A dispute opened on one of them a moment ago wins; the sample skips that lead.
            created = Dispute.objects.bulk_create([
                Dispute(lead_id=lead_id, side=DisputeSide.SAMPLE, due_at=due_at)
                for lead_id in picks], ignore_conflicts=True)
            drawn += len(created)
    return drawn

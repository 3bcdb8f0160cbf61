"""Quality inspection of follow-ups (质检): the daily stratified sample, scoring on the
scorecard, double scoring and agreement, and flagging follow-ups that hide no real contact."""

import datetime
import math
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Avg, Count, DecimalField, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Abs
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination.core.audit.services import audit_record, audit_snapshot
from coordination.core.errors import ApplicationError, PermissionDenied
from coordination.core.notifications.services import notify
from coordination.core.org.models import User
from leads.models import (
    AnswerType,
    Criterion,
    FollowUp,
    Inspection,
    InspectionAnswer,
    InspectionStatus,
    Lead,
    LeadStatus,
    Scorecard,
)
from leads.permissions import can_inspect
from leads.selectors import head_ids_of
from leads.services.quality import quality_settings

HUNDRED = Decimal(100)


def _allocate(counts: dict[str, int], n: int) -> dict[str, int]:
    """Split `n` draws over strata in proportion to their sizes (largest remainder), at most
    the stratum's size each."""
    total = sum(counts.values())
    if total == 0 or n <= 0:
        return {key: 0 for key in counts}
    exact = {key: n * size / total for key, size in counts.items()}
    shares = {key: min(counts[key], math.floor(value)) for key, value in exact.items()}
    for key in sorted(counts, key=lambda k: exact[k] - math.floor(exact[k]), reverse=True):
        if sum(shares.values()) >= n:
            break
        if shares[key] < counts[key]:
            shares[key] += 1
    return shares


def rep_recent_average(*, rep_id: int, since: datetime.datetime) -> Decimal | None:
    return Inspection.objects.filter(
        follow_up__author_id=rep_id, status=InspectionStatus.DONE, scored_at__gte=since,
    ).aggregate(avg=Avg("score"))["avg"]


def inspections_draw(*, day: datetime.date, now: datetime.datetime | None = None,
                     seed: int | None = None) -> int:
    """Draw each rep's follow-ups of `day` into the inspector queue, stratified by channel.

    A rep gets the settings' share (at least the minimum), or the higher share when their
    average score over the recent window is below the pass mark; a share of the drawn ones is
    also queued for a second, independent scoring. Idempotent per follow-up (a unique
    constraint): a second run draws nothing new.
    """
    now = now or timezone.now()
    scorecard = Scorecard.objects.filter(is_active=True).first()
    if scorecard is None:
        return 0
    settings = quality_settings()
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(0), tz)
    end = start + datetime.timedelta(days=1)
    since = now - datetime.timedelta(days=settings.low_score_window_days)
    day_follow_ups = FollowUp.objects.filter(created_at__gte=start, created_at__lt=end)
    already: dict[int, int] = defaultdict(int)
    for author_id in Inspection.objects.filter(round=1, follow_up__in=day_follow_ups
                                               ).values_list("follow_up__author_id", flat=True):
        already[author_id] += 1
    by_rep: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    sizes: dict[int, int] = defaultdict(int)
    for pk, author_id, channel, drawn_before in day_follow_ups.annotate(
            drawn_before=Exists(Inspection.objects.filter(follow_up=OuterRef("pk")))
    ).values_list("pk", "author_id", "channel", "drawn_before"):
        sizes[author_id] += 1
        if not drawn_before:
            by_rep[author_id][channel].append(pk)
    averages = dict(
        Inspection.objects.filter(follow_up__author_id__in=list(by_rep),
                                  status=InspectionStatus.DONE, scored_at__gte=since)
        .values("follow_up__author_id").annotate(avg=Avg("score"))
        .values_list("follow_up__author_id", "avg"))
    drawn, doubles = [], []
    for rep_id, strata in by_rep.items():
        # Seeded by day and rep: two runs at once pick the same follow-ups, and the unique
        # constraint keeps one row of each.
        rng = random.Random(f"{day}:{rep_id}:{seed}")  # noqa: S311 - a sample, not a secret
        size = sizes[rep_id]
        average = averages.get(rep_id)
        low = average is not None and average < scorecard.pass_mark
        share = settings.low_score_share if low else settings.inspection_share
        wanted = min(size, max(settings.inspection_minimum, math.ceil(size * share / HUNDRED)))
        # A second run for the same day draws only what the first did not.
        wanted -= already[rep_id]
        if wanted <= 0:
            continue
        allocation = _allocate({channel: len(ids) for channel, ids in strata.items()}, wanted)
        mine = []
        for channel, ids in sorted(strata.items()):
            mine.extend(rng.sample(sorted(ids), allocation[channel]))
        drawn.extend(mine)
    # The double-scored share is taken of the whole day's draw (per rep it would round up to
    # one for nearly everyone), with a generator seeded by the day, so two runs agree.
    if drawn and settings.double_scoring_share:
        rng = random.Random(f"{day}:doubles:{seed}")  # noqa: S311 - a sample, not a secret
        count = math.ceil(len(drawn) * settings.double_scoring_share / HUNDRED)
        doubles = rng.sample(sorted(drawn), min(count, len(drawn)))
    rows = [Inspection(follow_up_id=pk, round=1, scorecard=scorecard, drawn_on=day)
            for pk in drawn]
    rows += [Inspection(follow_up_id=pk, round=2, scorecard=scorecard, drawn_on=day)
             for pk in doubles]
    # ignore_conflicts: a concurrent run that drew the same follow-up keeps its row.
    Inspection.objects.bulk_create(rows, ignore_conflicts=True)
    return len(drawn)


def scorecard_score(*, scorecard: Scorecard, answers: dict) -> tuple[Decimal, list[tuple]]:
    """The score out of 100 from answers {criterion id: value}: each criterion's share of its
    marks (a score in its range, yes = 1 and no = 0, a choice's points) weighted by its weight.
    Returns the score and (criterion, value, points) rows; ApplicationError on a bad answer."""
    rows = []
    weighted = Decimal(0)
    weights = 0
    for criterion in scorecard.criteria.all():
        if criterion.pk not in answers and str(criterion.pk) not in answers:
            raise ApplicationError(_("Answer “%(criterion)s”.") % {"criterion": criterion},
                                   code="required", field=f"criterion_{criterion.pk}")
        value = answers.get(criterion.pk, answers.get(str(criterion.pk)))
        field = f"criterion_{criterion.pk}"
        if criterion.answer_type == AnswerType.SCORE:
            try:
                number = int(value)
            except (TypeError, ValueError):
                raise ApplicationError(_("Give a whole number."), code="invalid",
                                       field=field) from None
            if not criterion.min_score <= number <= criterion.max_score:
                raise ApplicationError(
                    _("Give a score from %(low)d to %(high)d.") % {
                        "low": criterion.min_score, "high": criterion.max_score},
                    code="invalid", field=field)
            points = Decimal(number - criterion.min_score) / (criterion.max_score
                                                              - criterion.min_score)
            value = number
        elif criterion.answer_type == AnswerType.YES_NO:
            if value not in (True, False, "yes", "no", "true", "false"):
                raise ApplicationError(_("Answer yes or no."), code="invalid", field=field)
            value = value in (True, "yes", "true")
            points = Decimal(1 if value else 0)
        else:
            options = {str(option["label"]): Decimal(str(option["points"]))
                       for option in criterion.choices or []}
            if str(value) not in options:
                raise ApplicationError(_("Choose one of the options."), code="invalid",
                                       field=field)
            points = options[str(value)]
        rows.append((criterion, value, points))
        weighted += points * criterion.weight
        weights += criterion.weight
    if not weights:
        raise ApplicationError(_("The scorecard has no criteria."), code="empty_scorecard")
    score = (weighted / weights * HUNDRED).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return score, rows


@transaction.atomic
def inspection_score(*, inspection: Inspection, inspector, answers: dict, findings: str = "",
                     not_genuine: bool = False,
                     now: datetime.datetime | None = None) -> Inspection:
    """Score a follow-up on the scorecard. The second scoring of a double-scored follow-up is
    done by another inspector, without seeing the first."""
    now = now or timezone.now()
    if not can_inspect(inspector):
        raise PermissionDenied(_("Only an inspector of the quality department may score."))
    # Both rounds of the follow-up are locked, in one order, before anything is read: two
    # submissions at once by the same inspector cannot both pass the check below.
    follow_up_id = Inspection.objects.values_list("follow_up_id", flat=True).get(
        pk=inspection.pk)
    siblings = list(Inspection.objects.select_for_update().filter(
        follow_up_id=follow_up_id).order_by("pk").values_list("pk", "inspector_id"))
    inspection = (Inspection.objects.select_related("scorecard", "follow_up__lead")
                  .get(pk=inspection.pk))
    if inspection.status != InspectionStatus.PENDING:
        raise ApplicationError(_("This follow-up is already scored."), code="already_scored",
                               field="inspection")
    other = next((inspector_id for pk, inspector_id in siblings if pk != inspection.pk), None)
    if other is not None and other == inspector.pk:
        raise ApplicationError(_("The second scoring must be done by another inspector."),
                               code="same_inspector", field="inspection")
    score, rows = scorecard_score(scorecard=inspection.scorecard, answers=answers)
    InspectionAnswer.objects.bulk_create([
        InspectionAnswer(inspection=inspection, criterion=criterion, value=value, points=points)
        for criterion, value, points in rows])
    inspection.score = score
    inspection.passed = score >= inspection.scorecard.pass_mark
    inspection.findings = findings.strip()
    inspection.not_genuine = bool(not_genuine)
    inspection.inspector = inspector
    inspection.status = InspectionStatus.DONE
    inspection.scored_at = now
    inspection.save()
    audit_record(actor=inspector, verb="inspection.scored", obj=inspection,
                 after={"score": str(score), "passed": inspection.passed,
                        "not_genuine": inspection.not_genuine})
    if not_genuine:
        follow_up_flag_not_genuine(follow_up=inspection.follow_up, actor=inspector, now=now)
    return inspection


@transaction.atomic
def follow_up_flag_not_genuine(*, follow_up: FollowUp, actor,
                               now: datetime.datetime | None = None) -> Lead:
    """Mark a follow-up as not genuine (no real contact behind it). A lead whose only
    follow-ups are flagged counts as not contacted: its first-contact clock is missed at once
    and the reassignment sweep takes it back."""
    now = now or timezone.now()
    FollowUp.objects.filter(pk=follow_up.pk).update(not_genuine=True)
    lead = Lead.objects.select_for_update(of=("self",)).get(pk=follow_up.lead_id)
    genuine = FollowUp.objects.filter(lead=lead, not_genuine=False)
    if not genuine.exists() and lead.status in (LeadStatus.CONTACTED, LeadStatus.QUALIFIED):
        lead.first_contacted_at = None
        lead.first_contact_missed_at = lead.first_contact_missed_at or now
        lead.last_follow_up_at = None
        lead.status = LeadStatus.ASSIGNED
        lead.first_contact_due_at = now
        lead.next_step_due_at = None
        lead.escalation_due_at = None
        lead.escalation_step = 0
        lead.save()
        audit_record(actor=actor, verb="lead.not_contacted", obj=lead,
                     after={"follow_up_id": follow_up.pk})
        recipients = ([lead.owner_id] if lead.owner_id else []) + (
            head_ids_of(user_id=lead.owner_id) if lead.owner_id else [])
        for user in User.objects.filter(pk__in=recipients):
            notify(recipient=user,
                   title=gettext_lazy("Follow-up judged not genuine: %(lead)s counts as not "
                                      "contacted"), params={"lead": str(lead)}, target=lead,
                   kind="lead.not_genuine")
    return lead


def inspection_agreement(*, since: datetime.datetime | None = None) -> dict:
    """How far two inspectors agree on the double-scored follow-ups whose both scorings are
    done: the share with the same pass/fail, and the mean absolute difference of scores.
    One aggregate query."""
    second = Inspection.objects.filter(follow_up_id=OuterRef("follow_up_id"), round=2,
                                       status=InspectionStatus.DONE)
    firsts = Inspection.objects.filter(round=1, status=InspectionStatus.DONE)
    if since is not None:
        firsts = firsts.filter(scored_at__gte=since)
    pairs = (firsts.annotate(score_2=Subquery(second.values("score")[:1]),
                             passed_2=Subquery(second.values("passed")[:1]))
             .filter(score_2__isnull=False))
    figures = pairs.aggregate(
        pairs=Count("id"), same=Count("id", filter=Q(passed=F("passed_2"))),
        difference=Avg(Abs(F("score") - F("score_2")), output_field=DecimalField()))
    if not figures["pairs"]:
        return {"pairs": 0, "same_verdict_rate": None, "mean_score_difference": None}
    return {"pairs": figures["pairs"],
            "same_verdict_rate": (Decimal(figures["same"]) / figures["pairs"]).quantize(
                Decimal("0.0001")),
            "mean_score_difference": Decimal(figures["difference"]).quantize(Decimal("0.01"))}


# Scorecards --------------------------------------------------------------------------------------

CRITERION_FIELDS = ("position", "label", "weight", "answer_type", "min_score", "max_score",
                    "choices")


def _options_validate(options) -> None:
    """A choice's options as `scorecard_score` reads them: a label each, its own, and the share
    of the criterion's marks it earns, from 0 to 1."""
    message = _('Give the options as [{"label": "…", "points": 0 to 1}, …].')
    if not isinstance(options, list) or not options:
        raise ApplicationError(message, code="invalid", field="choices")
    labels = set()
    for option in options:
        points = option.get("points") if isinstance(option, dict) else None
        label = str(option.get("label", "")).strip() if isinstance(option, dict) else ""
        if (not label or isinstance(points, bool)
                or not isinstance(points, int | float) or not 0 <= points <= 1):
            raise ApplicationError(message, code="invalid", field="choices")
        if label in labels:
            raise ApplicationError(_("Each option needs its own label."), code="unique",
                                   field="choices")
        labels.add(label)


def scorecard_validate(*, data: dict, criteria: list[dict]) -> None:
    """Check a scorecard's criteria as the scoring service will read them: a choice needs
    well-formed options, and a scorecard in use needs a criterion to score on.

    `data` holds the scorecard's fields ("is_active" is read), `criteria` one dict per
    criterion (CRITERION_FIELDS). ApplicationError naming the field; a criterion's own error
    carries its index in `criteria` as extra["criterion"].
    """
    for index, criterion in enumerate(criteria):
        if criterion.get("answer_type") != AnswerType.CHOICE:
            continue
        try:
            _options_validate(criterion.get("choices"))
        except ApplicationError as error:
            error.extra["criterion"] = index
            raise
    if data.get("is_active") and not criteria:
        # The daily draw would queue follow-ups that no inspector could score.
        raise ApplicationError(_("The scorecard has no criteria."), code="empty_scorecard",
                               field="criteria")


def _criteria_snapshot(scorecard: Scorecard) -> list[dict]:
    return [audit_snapshot(criterion, ["id", *CRITERION_FIELDS])
            for criterion in scorecard.criteria.order_by("position", "id")]


@transaction.atomic
def scorecard_save(*, scorecard: Scorecard, data: dict, criteria: list[dict] | None,
                   actor) -> Scorecard:
    """Create or change a scorecard and, when `criteria` is given, make its criteria exactly
    these, in one transaction with one audit event (`scorecard.created`/`scorecard.changed`).

    `scorecard` is the stored row (or a new one). A criterion with an "id" changes that
    criterion of the scorecard, one without is added, and those left out are removed; a
    criterion already answered in an inspection is never removed, since the inspection's
    score rests on it. Checked by `scorecard_validate` and the models' constraints first:
    nothing is written on an error.
    """
    data = dict(data)
    created = scorecard.pk is None
    if criteria is not None:
        scorecard_validate(data={"is_active": scorecard.is_active, **data}, criteria=criteria)
    before = None if created else {**audit_snapshot(scorecard),
                                   "criteria": _criteria_snapshot(scorecard)}
    for name, value in data.items():
        setattr(scorecard, name, value)
    scorecard.full_clean()  # the pass mark's range, one scorecard in use
    scorecard.save()
    if criteria is not None:
        existing = {criterion.pk: criterion for criterion in scorecard.criteria.all()}
        rows = []
        for row in criteria:
            values = {name: row[name] for name in CRITERION_FIELDS if name in row}
            criterion = existing.get(row.get("id")) if row.get("id") else None
            if row.get("id") and criterion is None:
                raise ApplicationError(_("No such criterion on this scorecard."),
                                       code="not_found", field="criteria")
            criterion = criterion or Criterion(scorecard=scorecard)
            for name, value in values.items():
                setattr(criterion, name, value)
            criterion.full_clean()  # weight at least 1, the highest score above the lowest
            rows.append(criterion)
        removed = set(existing) - {criterion.pk for criterion in rows if criterion.pk}
        if removed and InspectionAnswer.objects.filter(criterion_id__in=removed).exists():
            raise ApplicationError(
                _("A criterion already answered in an inspection cannot be removed."),
                code="protected", field="criteria")
        Criterion.objects.filter(pk__in=removed).delete()
        for criterion in rows:
            criterion.save()
    audit_record(actor=actor, verb="scorecard.created" if created else "scorecard.changed",
                 obj=scorecard, before=before,
                 after={**audit_snapshot(scorecard), "criteria": _criteria_snapshot(scorecard)})
    return scorecard


__all__ = ["CRITERION_FIELDS", "follow_up_flag_not_genuine", "inspection_agreement",
           "inspection_score", "inspections_draw", "rep_recent_average", "scorecard_save",
           "scorecard_score", "scorecard_validate"]

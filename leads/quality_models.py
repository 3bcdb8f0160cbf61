"""Lead quality judged by the neutral quality department, and quality inspection of follow-ups.

Imported at the end of leads/models.py, so these are models of the leads app.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coordination.core.org.base import TimeStampedModel
from leads.models import FollowUp, Lead, Source

__all__ = [
    "AnswerType", "Criterion", "Dispute", "DisputeAttachment", "DisputeCap", "DisputeGround",
    "DisputeSide", "DisputeStatus", "Inspection", "InspectionAnswer", "InspectionStatus",
    "QualitySettings", "Ruling", "RulingIsFinal", "Scorecard", "Verdict",
]


class DisputeGround(models.TextChoices):
    UNREACHABLE = "unreachable", _("Unreachable")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    DUPLICATE = "duplicate", _("Duplicate")
    NO_INTENT = "no_intent", _("No intent")
    OUT_OF_AREA = "out_of_area", _("Out of area")
    FAKE = "fake", _("Fake")
    OTHER = "other", _("Other")


class DisputeSide(models.TextChoices):
    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    SAMPLE = "sample", _("Daily sample")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RULED = "ruled", _("Ruled")


class Verdict(models.TextChoices):
    VALID = "valid", _("Valid lead")
    INVALID = "invalid", _("Invalid lead")


class Dispute(TimeStampedModel):
    """A lead-quality dispute (线索质量申诉), or a lead drawn by the daily sample: both are
    ruled by an adjudicator of the quality department, never by sales or marketing."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="disputes",
                             verbose_name=_("lead"))
    side = models.CharField(_("opened by side"), max_length=10, choices=DisputeSide.choices)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("opened by"))
    ground = models.CharField(_("ground"), max_length=20, choices=DisputeGround.choices,
                              blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    follow_ups = models.ManyToManyField(FollowUp, blank=True, related_name="disputes",
                                        verbose_name=_("linked follow-ups"))
    status = models.CharField(_("status"), max_length=10, choices=DisputeStatus.choices,
                              default=DisputeStatus.OPEN)
    due_at = models.DateTimeField(_("ruling due"))
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    ruled_at = models.DateTimeField(_("ruled at"), null=True, blank=True)
    paused_deadlines = models.JSONField(
        _("deadlines paused"), default=dict, blank=True,
        help_text=_("The lead's running deadlines when the dispute opened, if the settings "
                    "pause clocks during disputes."))

    class Meta:
        verbose_name = _("lead-quality dispute")
        verbose_name_plural = _("lead-quality disputes")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"], condition=Q(status="open"), name="one_open_dispute_per_lead",
                violation_error_message=_("This lead already has an open dispute.")),
        ]
        indexes = [
            models.Index(fields=["due_at"], name="dispute_open_due",
                         condition=Q(status="open", escalated_at__isnull=True)),
            models.Index(fields=["side", "created_at"], name="dispute_side_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.lead}"

    def get_absolute_url(self) -> str:
        return reverse("leads:dispute", args=[self.pk])


class DisputeAttachment(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="attachments",
                                verbose_name=_("dispute"))
    file = models.FileField(_("file"), upload_to="disputes/%Y/%m/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.file.name


class RulingQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise RulingIsFinal("Rulings are final: a correction is a new ruling.")


class RulingIsFinal(Exception):
    pass


class Ruling(models.Model):
    """A ruling (三方判定): final, stamped, never edited. A correction is a new ruling by a
    quality-department head that supersedes the old one and names it."""

    created_at = models.DateTimeField(_("ruled at"), auto_now_add=True)
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="rulings",
                                verbose_name=_("dispute"))
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=DisputeGround.choices,
                              blank=True)
    note = models.TextField(_("note"), blank=True)
    ruled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("ruled by"))
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by",
                                      verbose_name=_("supersedes"))

    objects = RulingQuerySet.as_manager()

    class Meta:
        verbose_name = _("ruling")
        verbose_name_plural = _("rulings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict="valid", reason="") | Q(verdict="invalid") & ~Q(reason=""),
                name="invalid_ruling_has_a_reason",
                violation_error_message=_("An invalid ruling needs a reason.")),
            # One first ruling per dispute; any other ruling is a correction of one.
            models.UniqueConstraint(fields=["dispute"], condition=Q(supersedes__isnull=True),
                                    name="one_first_ruling_per_dispute"),
        ]

    def __str__(self) -> str:
        return f"{self.dispute} → {self.get_verdict_display()}"

    def save(self, *args, **kwargs):
        # Final by nature: an invariant of the record, not a business rule.
        if not self._state.adding:
            raise RulingIsFinal("Rulings are final: a correction is a new ruling.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RulingIsFinal("Rulings are final.")


class DisputeCap(models.Model):
    """At most this share of a period's leads may be disputed, per source and/or per side."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="dispute_caps", verbose_name=_("source"),
                               help_text=_("Empty: every source."))
    side = models.CharField(_("side"), max_length=10, blank=True,
                            choices=[(DisputeSide.SALES, DisputeSide.SALES.label),
                                     (DisputeSide.MARKETING, DisputeSide.MARKETING.label)],
                            help_text=_("Empty: both sides together."))
    max_share = models.DecimalField(
        _("maximum share (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))])

    class Meta:
        verbose_name = _("dispute cap")
        verbose_name_plural = _("dispute caps")
        constraints = [
            # One cap per source and side, and one per side for all sources (two partial
            # constraints: SQLite has no NULLS NOT DISTINCT).
            models.UniqueConstraint(fields=["source", "side"], name="unique_dispute_cap",
                                    condition=Q(source__isnull=False)),
            models.UniqueConstraint(fields=["side"], name="unique_dispute_cap_all_sources",
                                    condition=Q(source__isnull=True)),
            models.CheckConstraint(condition=Q(max_share__gte=0, max_share__lte=100),
                                   name="dispute_cap_share_range"),
        ]

    def __str__(self) -> str:
        return f"{self.source or _('all sources')} {self.side or ''} ≤ {self.max_share}%"


class QualitySettings(models.Model):
    """Company-wide settings of disputes, sampling and inspection; one row, in the admin."""

    pause_clocks_during_dispute = models.BooleanField(
        _("pause the lead's clocks during a dispute"), default=False)
    blind_review = models.BooleanField(
        _("blind review"), default=True,
        help_text=_("Adjudicators do not see which side opened a dispute."))
    ruling_sla_minutes = models.PositiveIntegerField(
        _("ruling due within (business minutes)"), default=8 * 60,
        validators=[MinValueValidator(1)])
    sample_share = models.DecimalField(
        _("daily sample of each source's leads (%)"), max_digits=5, decimal_places=2,
        default=Decimal("5"), validators=[MinValueValidator(0), MaxValueValidator(100)])
    inspection_share = models.DecimalField(
        _("share of each rep's follow-ups inspected (%)"), max_digits=5, decimal_places=2,
        default=Decimal("10"), validators=[MinValueValidator(0), MaxValueValidator(100)])
    inspection_minimum = models.PositiveIntegerField(
        _("minimum follow-ups inspected per rep"), default=1)
    low_score_share = models.DecimalField(
        _("share for reps scoring below the pass mark (%)"), max_digits=5, decimal_places=2,
        default=Decimal("30"), validators=[MinValueValidator(0), MaxValueValidator(100)])
    low_score_window_days = models.PositiveIntegerField(
        _("recent scores over (days)"), default=14, validators=[MinValueValidator(1)])
    double_scoring_share = models.DecimalField(
        _("share scored by two inspectors (%)"), max_digits=5, decimal_places=2,
        default=Decimal("10"), validators=[MinValueValidator(0), MaxValueValidator(100)])

    class Meta:
        verbose_name = _("quality settings")
        verbose_name_plural = _("quality settings")

    def __str__(self) -> str:
        return str(_("Quality settings"))


class Scorecard(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    pass_mark = models.DecimalField(
        _("pass mark (of 100)"), max_digits=5, decimal_places=2, default=Decimal("60"),
        validators=[MinValueValidator(0), MaxValueValidator(100)])
    is_active = models.BooleanField(
        _("in use"), default=True, help_text=_("The scorecard new inspections use."))

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True),
                                    name="one_active_scorecard",
                                    violation_error_message=_("Only one scorecard is in use.")),
        ]

    def __str__(self) -> str:
        return self.name


class AnswerType(models.TextChoices):
    SCORE = "score", _("Score in a range")
    YES_NO = "yes_no", _("Yes or no")
    CHOICE = "choice", _("Choice")


class Criterion(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="criteria",
                                  verbose_name=_("scorecard"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label = models.CharField(_("criterion"), max_length=200)
    weight = models.PositiveIntegerField(_("weight"), default=1, validators=[MinValueValidator(1)])
    answer_type = models.CharField(_("answer type"), max_length=10, choices=AnswerType.choices)
    min_score = models.IntegerField(_("lowest score"), default=0)
    max_score = models.IntegerField(_("highest score"), default=5)
    choices = models.JSONField(
        _("choices"), default=list, blank=True,
        help_text=_('For a choice: [{"label": "…", "points": 0 to 1}, …]; 1 is full marks.'))

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["scorecard", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="criterion_weight_positive"),
            models.CheckConstraint(condition=Q(max_score__gt=models.F("min_score")),
                                   name="criterion_score_range",
                                   violation_error_message=_(
                                       "The highest score must be above the lowest.")),
        ]

    def __str__(self) -> str:
        return self.label


class InspectionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DONE = "done", _("Scored")


class Inspection(TimeStampedModel):
    """A follow-up drawn for quality inspection (质检), scored by an inspector on a scorecard.
    Round 2 is the second, independent scoring of a follow-up drawn for double scoring."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="inspections",
                                  verbose_name=_("follow-up"))
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("scorecard"))
    drawn_on = models.DateField(_("drawn on"))
    status = models.CharField(_("status"), max_length=10, choices=InspectionStatus.choices,
                              default=InspectionStatus.PENDING)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("inspector"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True,
                                blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    not_genuine = models.BooleanField(
        _("not genuine"), default=False,
        help_text=_("No real contact behind this follow-up."))
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["drawn_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["follow_up", "round"],
                                    name="one_inspection_per_round"),
            models.CheckConstraint(condition=Q(round__in=[1, 2]), name="inspection_round"),
        ]
        indexes = [models.Index(fields=["status", "drawn_on"], name="inspection_queue")]

    def __str__(self) -> str:
        return f"{self.follow_up} #{self.round}"

    def get_absolute_url(self) -> str:
        return reverse("leads:inspection", args=[self.pk])


class InspectionAnswer(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.JSONField()
    points = models.DecimalField(max_digits=6, decimal_places=4,
                                 help_text="Share of the criterion's marks, 0 to 1.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inspection", "criterion"],
                                    name="one_answer_per_criterion"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"

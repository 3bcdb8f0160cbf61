"""Lead quality judged by the neutral quality department: disputes, rulings, caps, settings."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import ExpressionWrapper, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coordination.core.org.base import TimeStampedModel
from coordination.core.request_cache import forget_prefix
from leads.models.catalog import Source
from leads.models.lead import FollowUp, Lead


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


# The ruling in force, written once: the ruling that no correction superseded. A dispute's
# rulings form one chain (one first ruling, each correction naming the ruling it corrects, and
# none corrected twice: the constraints below), so a ruled dispute has exactly one.
RULING_IN_FORCE = Q(superseded_by__isnull=True)


class RulingQuerySet(models.QuerySet):
    def in_force(self) -> "RulingQuerySet":
        """The rulings in force: one per ruled dispute, none for an open one."""
        return self.filter(RULING_IN_FORCE)

    def with_in_force(self) -> "RulingQuerySet":
        """Every ruling, each with `in_force`: whether it is the ruling in force (for a page
        or an API that shows the superseded rulings too)."""
        return self.annotate(in_force=ExpressionWrapper(RULING_IN_FORCE,
                                                        output_field=models.BooleanField()))

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

    # The request cache's key (coordination.core.request_cache): read once per request or task.
    CACHE_KEY = "leads.quality_settings"

    def save(self, *args, **kwargs):
        # Not a rule, only bookkeeping: whoever saves the row (admin, seed, test) reads the new
        # values for the rest of its request; other requests read the row afresh anyway.
        super().save(*args, **kwargs)
        forget_prefix(self.CACHE_KEY)

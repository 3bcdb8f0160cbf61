"""Quality inspection (质检) of follow-ups: scorecards, their criteria, inspections, answers."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coordination.core.org.base import TimeStampedModel
from leads.models.lead import FollowUp


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

"""Assignment rules: which leads go to whom, and the memory of round robin and weighting."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coordination.core.org.base import TimeStampedModel
from coordination.core.org.models import Team
from leads.models.pool import LeadPool


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    WEIGHTED = "weighted", _("Weighted")
    LEAST_LOADED = "least_loaded", _("Least loaded (fewest open leads)")


class OnExhausted(models.TextChoices):
    POOL = "pool", _("Send to the lead pool")
    HEAD = "head", _("Give to the sales head")


def default_ladder() -> list:
    return [
        {"after_days": 0, "action": "remind"},
        {"after_days": 2, "action": "copy_head"},
        {"after_days": 4, "action": "reassign"},
    ]


class AssignmentRule(TimeStampedModel):
    """Which leads go to whom, how fast they must be contacted, and what happens if not."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    priority = models.PositiveIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are tried first."))
    is_active = models.BooleanField(_("active"), default=True)
    conditions = models.JSONField(
        _("conditions"), default=list, blank=True,
        help_text=_('All must match. A list such as [{"field": "region", "op": "in", "value": '
                    '["上海", "江苏"]}]; fields: source, campaign, region, product_interest, '
                    'or attributes.NAME; op: equals or in. Empty matches every lead.'))
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="assignment_rules",
        verbose_name=_("pool team"),
        help_text=_("Its active members form the pool when no reps are named."))
    reps = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="RulePoolMember", blank=True, related_name="+",
        verbose_name=_("named reps"))
    strategy = models.CharField(_("strategy"), max_length=20, choices=Strategy.choices,
                                default=Strategy.ROUND_ROBIN)
    daily_cap = models.PositiveIntegerField(
        _("daily cap per rep"), null=True, blank=True,
        help_text=_("Leads a rep may receive per day; empty for no cap."))
    first_contact_sla_minutes = models.PositiveIntegerField(
        _("first-contact SLA (business minutes)"), default=30)
    next_step_sla_minutes = models.PositiveIntegerField(
        _("next-step SLA (business minutes)"), default=24 * 60,
        help_text=_("The next-step deadline a worked lead gets when it is reassigned to a new "
                    "owner, until the new owner logs a follow-up with its own next step."))
    max_reassignments = models.PositiveIntegerField(
        _("reassignments before escalation"), default=2)
    on_exhausted = models.CharField(_("after the last reassignment"), max_length=10,
                                    choices=OnExhausted.choices, default=OnExhausted.HEAD)
    recycle_pool = models.ForeignKey(
        LeadPool, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("lead pool"),
        help_text=_("Where leads of this rule are recycled to."))
    recycle_after_idle_days = models.PositiveIntegerField(
        _("recycle after idle days"), null=True, blank=True,
        help_text=_("Send an open lead with no follow-up for this many days to the pool."))
    escalation_ladder = models.JSONField(
        _("next-step escalation ladder"), default=default_ladder, blank=True,
        help_text=_('Steps after a missed next-step date, counted in working days, such as '
                    '[{"after_days": 0, "action": '
                    '"remind"}, {"after_days": 2, "action": "copy_head"}, {"after_days": 4, '
                    '"action": "reassign"}].'))

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(first_contact_sla_minutes__gt=0),
                                   name="rule_first_contact_sla_positive",
                                   violation_error_message=_(
                                       "The first-contact SLA must be at least one minute.")),
            models.CheckConstraint(condition=Q(next_step_sla_minutes__gt=0),
                                   name="rule_next_step_sla_positive",
                                   violation_error_message=_(
                                       "The next-step SLA must be at least one minute.")),
        ]

    def __str__(self) -> str:
        return self.name


class RulePoolMember(models.Model):
    """A rep named in a rule's pool, with a weight for the weighted strategy."""

    rule = models.ForeignKey(AssignmentRule, on_delete=models.CASCADE, related_name="members",
                             verbose_name=_("rule"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("rep"))
    weight = models.PositiveIntegerField(_("weight"), default=1,
                                         validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("rep in the pool")
        verbose_name_plural = _("reps in the pool")
        constraints = [
            models.UniqueConstraint(fields=["rule", "user"], name="unique_rule_member"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="rule_member_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ×{self.weight}"


class RuleRepCounter(models.Model):
    """How many leads a rule has given each rep: the memory of round robin and weighting."""

    rule = models.ForeignKey(AssignmentRule, on_delete=models.CASCADE, related_name="counters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_count = models.PositiveIntegerField(default=0)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "user"], name="unique_rule_rep_counter"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.user_id}={self.assigned_count}"

"""The lead itself, its assignment history, its follow-ups and the company-wide lead settings."""

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coordination.core.org.base import TimeStampedModel
from coordination.core.org.models import currency_validator
from coordination.core.request_cache import forget_prefix
from leads.models.catalog import Campaign, Source
from leads.models.pool import LeadPool
from leads.models.rules import AssignmentRule


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.ASSIGNED, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
WORKED_STATUSES = (LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


@dataclass(frozen=True)
class DeadlineClock:
    """One of a lead's clocks: the deadline in `field` runs while the lead's status is one of
    `statuses` and, for the first contact, until the lead was first contacted.

    A lead's current deadline, the clock that runs now, is written once, as DEADLINE_CLOCKS:
    `Lead.current_deadline` reads it in Python, `deadline_expression()` and `overdue_filter()`
    (leads/selectors/lead.py) in SQL, and the sweep picks its leads by the same conditions.
    """

    field: str
    statuses: tuple[str, ...]
    label: str
    until_first_contact: bool = False

    def runs(self, prefix: str = "") -> Q:
        """The leads on which this clock runs, as a filter on Lead; `prefix` is the path to
        the lead from the model filtered (`"owned_leads__"` from a user)."""
        statuses = ({f"{prefix}status": self.statuses[0]} if len(self.statuses) == 1
                    else {f"{prefix}status__in": self.statuses})
        condition = Q(**statuses)
        if self.until_first_contact:
            condition &= Q(**{f"{prefix}first_contacted_at__isnull": True})
        return condition

    def runs_on(self, lead: "Lead") -> bool:
        """`runs()` for one lead in memory."""
        return lead.status in self.statuses and not (
            self.until_first_contact and lead.first_contacted_at is not None)


FIRST_CONTACT_CLOCK = DeadlineClock(field="first_contact_due_at", statuses=(LeadStatus.ASSIGNED,),
                                    label=_("First contact"), until_first_contact=True)
NEXT_STEP_CLOCK = DeadlineClock(field="next_step_due_at", statuses=WORKED_STATUSES,
                                label=_("Next step"))
# At most one runs at a time (their statuses are disjoint); the first that runs is the clock.
DEADLINE_CLOCKS = (FIRST_CONTACT_CLOCK, NEXT_STEP_CLOCK)


class LostReason(models.Model):
    """Why a lead was lost, and whether such a lead goes back to the pool for someone else."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    label = models.CharField(_("label"), max_length=100)
    recycle = models.BooleanField(
        _("recycle to the pool"), default=False,
        help_text=_("A lead lost for this reason goes to the lead pool for another try."))

    class Meta:
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class Lead(TimeStampedModel):
    # Contact
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True,
                             help_text=_("Stored in international format (+86…)."))
    email = models.EmailField(_("e-mail"), blank=True)
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    product_interest = models.CharField(_("product interest"), max_length=100, blank=True)
    attributes = models.JSONField(_("other attributes"), default=dict, blank=True)
    # Origin
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="leads",
                               verbose_name=_("source"))
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="leads", verbose_name=_("campaign"))
    external_id = models.CharField(
        _("external ID"), max_length=100, blank=True,
        help_text=_("The lead's ID in the sending system: a lead sent twice is created once."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="duplicates", verbose_name=_("duplicate of"))
    # Work
    status = models.CharField(_("status"), max_length=12, choices=LeadStatus.choices,
                              default=LeadStatus.NEW)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="owned_leads", verbose_name=_("owner"))
    rule = models.ForeignKey(AssignmentRule, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="leads", verbose_name=_("assignment rule"))
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    first_contact_due_at = models.DateTimeField(_("first contact due"), null=True, blank=True)
    first_contacted_at = models.DateTimeField(_("first contacted at"), null=True, blank=True)
    first_contact_missed_at = models.DateTimeField(
        _("first contact missed at"), null=True, blank=True,
        help_text=_("When a first-contact deadline of this lead was first missed (by any "
                    "owner), or its first contact was judged not genuine."))
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    next_step_due_at = models.DateTimeField(_("next step due"), null=True, blank=True)
    escalation_step = models.PositiveSmallIntegerField(
        _("escalation steps taken"), default=0,
        help_text=_("Steps of the ladder already taken for the current missed next step."))
    escalation_due_at = models.DateTimeField(
        _("next escalation step due"), null=True, blank=True,
        help_text=_("When the sweep takes the next step of the ladder; empty when none is left."))
    reassignment_count = models.PositiveIntegerField(_("reassignments"), default=0)
    unassigned_reason = models.CharField(_("why unassigned"), max_length=200, blank=True)
    pool = models.ForeignKey(LeadPool, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="leads", verbose_name=_("in lead pool"))
    pooled_at = models.DateTimeField(_("in the pool since"), null=True, blank=True)
    lost_reason = models.ForeignKey(LostReason, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("lost reason"))
    won_value = models.DecimalField(_("won value"), max_digits=14, decimal_places=2, null=True,
                                    blank=True)
    won_currency = models.CharField(_("currency"), max_length=3, default="CNY",
                                    validators=[currency_validator])
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    quality_verdict = models.CharField(
        _("quality verdict"), max_length=10, blank=True,
        choices=[("valid", _("Valid lead")), ("invalid", _("Invalid lead"))],
        help_text=_("The current ruling of the quality department; empty when never ruled."))

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=~Q(external_id=""),
                name="unique_lead_external_id_per_source",
                violation_error_message=_("A lead with this external ID exists for this source.")),
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(email="") | ~Q(wechat_id=""),
                name="lead_has_a_contact",
                violation_error_message=_("A lead needs a phone, an e-mail or a WeChat ID.")),
            models.CheckConstraint(
                condition=Q(pool__isnull=True) | Q(owner__isnull=True),
                name="pooled_lead_has_no_owner"),
            models.CheckConstraint(
                condition=Q(won_value__isnull=True) | Q(won_value__gte=0),
                name="lead_won_value_not_negative"),
        ]
        indexes = [
            # The sweep: assigned leads not yet contacted, by deadline.
            models.Index(fields=["first_contact_due_at"], name="lead_first_contact_due",
                         condition=Q(status="assigned", first_contacted_at__isnull=True)),
            # The sweep: worked leads whose next escalation step is due.
            models.Index(fields=["escalation_due_at"], name="lead_escalation_due",
                         condition=Q(escalation_due_at__isnull=False)),
            # "My leads" and the least-loaded strategy.
            models.Index(fields=["owner", "status"], name="lead_owner_status"),
            # Duplicate detection.
            models.Index(fields=["phone"], name="lead_phone", condition=~Q(phone="")),
            models.Index(fields=["email"], name="lead_email", condition=~Q(email="")),
            models.Index(fields=["pool", "pooled_at"], name="lead_pool",
                         condition=Q(pool__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def running_clock(self) -> DeadlineClock | None:
        """The clock that runs now (DEADLINE_CLOCKS): first contact until it happened, then
        the next step; None for a new or closed lead."""
        return next((clock for clock in DEADLINE_CLOCKS if clock.runs_on(self)), None)

    @property
    def current_deadline(self):
        """The deadline of the clock that runs now (`running_clock`); None when none runs."""
        clock = self.running_clock
        return None if clock is None else getattr(self, clock.field)

    def is_overdue(self, now) -> bool:
        deadline = self.current_deadline
        return deadline is not None and deadline <= now


class AssignmentReason(models.TextChoices):
    RULE = "rule", _("Assignment rule")
    REASSIGNMENT = "reassignment", _("Reassigned after a missed deadline")
    MANUAL = "manual", _("Manual reassignment")
    ESCALATION = "escalation", _("Escalated to the head")
    CLAIM = "claim", _("Claimed from the lead pool")
    DUPLICATE = "duplicate", _("Owner of the original lead")
    POOL = "pool", _("Recycled to the lead pool")


# What the figures call a reassignment: the sweep took the lead from its rep after a missed
# deadline (first contact or next step) and gave it to another rep. An escalation to the head,
# a recycling to the pool and a manager's manual move are not. `lead_assign` counts these in
# `Lead.reassignment_count`; the metrics' reassignment rate and the team board's "reassigned
# today" count them through leads/selectors/assignment.py.
REASSIGNMENT_REASONS = (AssignmentReason.REASSIGNMENT,)


class Assignment(models.Model):
    """One change of a lead's owner: who, when, by which rule, for what reason."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments",
                             verbose_name=_("lead"))
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="lead_assignments",
                                verbose_name=_("to"))
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+", verbose_name=_("from"))
    rule = models.ForeignKey(AssignmentRule, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("rule"))
    reason = models.CharField(_("reason"), max_length=20, choices=AssignmentReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", verbose_name=_("by"))

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_user", "created_at"], name="assignment_rep_day"),
            models.Index(fields=["lead", "created_at"], name="assignment_lead"),
        ]

    def __str__(self) -> str:
        return f"{self.lead} → {self.to_user or '-'} ({self.get_reason_display()})"


class ContactChannel(models.TextChoices):
    CALL = "call", _("Call")
    WECHAT = "wechat", _("WeChat")
    VISIT = "visit", _("Visit")
    EMAIL = "email", _("E-mail")
    MESSAGE = "message", _("Message")


class Outcome(models.TextChoices):
    REACHED = "reached", _("Reached, talked")
    NO_ANSWER = "no_answer", _("No answer")
    INTERESTED = "interested", _("Interested")
    NOT_INTERESTED = "not_interested", _("Not interested")
    APPOINTMENT = "appointment", _("Appointment made")
    WRONG_CONTACT = "wrong_contact", _("Wrong number or contact")
    OTHER = "other", _("Other")


class FollowUp(models.Model):
    """A rep's contact with a lead (跟进)."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="follow_ups",
                             verbose_name=_("lead"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="follow_ups", verbose_name=_("rep"))
    channel = models.CharField(_("channel"), max_length=10, choices=ContactChannel.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_step_at = models.DateTimeField(_("next step due"), null=True, blank=True)
    not_genuine = models.BooleanField(
        _("not genuine"), default=False,
        help_text=_("Flagged by quality inspection: no real contact behind it."))

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["author", "created_at"], name="follow_up_author_day")]

    def __str__(self) -> str:
        return f"{self.lead} · {self.get_channel_display()} · {self.created_at:%Y-%m-%d}"


class LeadSettings(models.Model):
    """Company-wide lead settings, one row (edited in the admin)."""

    duplicate_window_days = models.PositiveIntegerField(
        _("duplicate window (days)"), default=90,
        help_text=_("A new lead with the phone or e-mail of an open lead created within this "
                    "many days is marked as its duplicate."))
    default_pool = models.ForeignKey(
        LeadPool, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("default lead pool"),
        help_text=_("Where recycled leads go when their rule names no pool."))
    follow_up_notes_min_length = models.PositiveIntegerField(
        _("minimum length of follow-up notes"), default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("What was said must be written down in at least this many characters, "
                    "spaces not counted: an empty follow-up does not count as a contact."))
    next_step_max_days = models.PositiveIntegerField(
        _("next-step horizon (days)"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("A follow-up sets the lead's next step for a date at most this many days "
                    "ahead, so that every open lead has a clock that runs out."))

    class Meta:
        verbose_name = _("lead settings")
        verbose_name_plural = _("lead settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_notes_min_length__gte=1,
                            follow_up_notes_min_length__lte=1000),
                name="lead_settings_notes_min_length_range",
                violation_error_message=_(
                    "The minimum length of the notes must be between 1 and 1000 characters.")),
            models.CheckConstraint(
                condition=Q(next_step_max_days__gte=1, next_step_max_days__lte=365),
                name="lead_settings_next_step_max_days_range",
                violation_error_message=_(
                    "The next-step horizon must be between 1 and 365 days.")),
        ]

    def __str__(self) -> str:
        return str(_("Lead settings"))

    # The request cache's key (coordination.core.request_cache): read once per request or task.
    CACHE_KEY = "leads.lead_settings"

    def save(self, *args, **kwargs):
        # Not a rule, only bookkeeping: whoever saves the row (admin, seed, test) reads the new
        # values for the rest of its request; other requests read the row afresh anyway.
        super().save(*args, **kwargs)
        forget_prefix(self.CACHE_KEY)

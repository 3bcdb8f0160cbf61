"""Leads: sources and campaigns, leads, assignment rules and history, follow-ups, the lead pool."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coordination.core.org.base import TimeStampedModel
from coordination.core.org.models import Team, currency_validator


class Channel(models.TextChoices):
    SEARCH_ADS = "search_ads", _("Search ads")
    SOCIAL = "social", _("Social media")
    EVENT = "event", _("Event or fair")
    REFERRAL = "referral", _("Referral")
    WEBSITE = "website", _("Website form")
    PHONE = "phone", _("Inbound call")
    PARTNER = "partner", _("Partner")
    OTHER = "other", _("Other")


class Source(TimeStampedModel):
    """Where leads come from: a channel such as a search-ads account or a trade fair."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices,
                               default=Channel.OTHER)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Campaign(TimeStampedModel):
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="campaigns",
                               verbose_name=_("source"))
    name = models.CharField(_("name"), max_length=150)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    spend = models.DecimalField(_("spend"), max_digits=14, decimal_places=2, default=Decimal(0),
                                validators=[MinValueValidator(Decimal(0))])
    currency = models.CharField(_("currency"), max_length=3, default="CNY",
                                validators=[currency_validator])

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "name"], name="unique_campaign_per_source",
                                    violation_error_message=_(
                                        "This source already has a campaign of that name.")),
            models.CheckConstraint(condition=Q(ends_on__isnull=True)
                                   | Q(ends_on__gte=models.F("starts_on")),
                                   name="campaign_period_order",
                                   violation_error_message=_(
                                       "A campaign must not end before it starts.")),
            models.CheckConstraint(condition=Q(spend__gte=0), name="campaign_spend_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.source.name} / {self.name}"


class LeadPool(TimeStampedModel):
    """公海: leads taken back from reps, which reps of the pool's team (or anyone, for a
    company-wide pool) may claim under pick rules."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="lead_pools", verbose_name=_("team"),
                             help_text=_("Empty: a company-wide pool open to every sales rep."))
    daily_claim_limit = models.PositiveIntegerField(
        _("claims per rep per day"), default=10)
    holding_capacity = models.PositiveIntegerField(
        _("holding capacity"), default=50,
        help_text=_("A rep holding this many open leads may not claim more."))
    cooldown_days = models.PositiveIntegerField(
        _("cool-down days"), default=7,
        help_text=_("Days before a previous owner may claim the same lead again."))

    class Meta:
        verbose_name = _("lead pool")
        verbose_name_plural = _("lead pools")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.ASSIGNED, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
WORKED_STATUSES = (LeadStatus.CONTACTED, LeadStatus.QUALIFIED)


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
    def current_deadline(self):
        """The clock that runs now: first contact until it happened, then the next step."""
        if self.status == LeadStatus.ASSIGNED and self.first_contacted_at is None:
            return self.first_contact_due_at
        if self.status in WORKED_STATUSES:
            return self.next_step_due_at
        return None

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


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed, awaiting confirmation")
    IMPORTED = "imported", _("Imported")
    CANCELLED = "cancelled", _("Cancelled")


class LeadImport(TimeStampedModel):
    """A file of leads uploaded for import: its preview, then its outcome.

    The valid rows are kept here, parsed, between the preview and the confirmation, so that any
    web node can confirm (web nodes keep no files) and a double click finds the import done.
    They are emptied once the import is confirmed or cancelled; the counts and the per-row
    problems stay as the history.
    """

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="imports",
                               verbose_name=_("source"))
    file_name = models.CharField(_("file"), max_length=255)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices,
                              default=ImportStatus.PREVIEWED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("uploaded by"))
    row_count = models.PositiveIntegerField(_("rows in the file"), default=0)
    valid_count = models.PositiveIntegerField(_("valid new rows"), default=0)
    existing_count = models.PositiveIntegerField(_("already existing"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    duplicate_count = models.PositiveIntegerField(
        _("duplicates within the file"), default=0,
        help_text=_("Rows with the phone or e-mail of an earlier row, linked to it as "
                    "duplicates."))
    created_count = models.PositiveIntegerField(_("leads created"), null=True, blank=True)
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    rows = models.JSONField(_("rows awaiting import"), default=list, blank=True)
    problems = models.JSONField(_("problems by row"), default=list, blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead import")
        verbose_name_plural = _("lead imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} → {self.source.name}"

    def get_absolute_url(self) -> str:
        return reverse("leads_import:detail", args=[self.pk])


# Quality models live in their own module; importing them here makes them models of this app.
from leads.quality_models import *  # noqa: E402,F403

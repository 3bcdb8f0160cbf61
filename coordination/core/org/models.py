"""The organisation: people, departments, teams, roles, absences, quotas, business calendar."""

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coordination.core.org.base import TimeStampedModel

currency_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Enter a three-letter ISO 4217 currency code, such as CNY.")
)


class User(AbstractUser):
    """A person. Chinese names are written whole, so `full_name` replaces first and last name."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, blank=True,
        help_text=_("Language of e-mails and notifications; the site language otherwise."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.first_name or self.username

    def __str__(self) -> str:
        return self.full_name or self.username


class DepartmentKind(models.TextChoices):
    SALES = "sales", _("Sales")
    MARKETING = "marketing", _("Marketing")
    PRODUCT = "product", _("Product and R&D")
    DELIVERY = "delivery", _("Delivery")
    AFTER_SALES = "after_sales", _("After-sales")
    QUALITY = "quality", _("Quality (neutral third party)")
    LEGAL = "legal", _("Legal")
    FINANCE = "finance", _("Finance")
    HR = "hr", _("HR")
    ADMIN = "admin", _("Administration")
    IT = "it", _("IT")
    EXECUTIVE = "executive", _("Executive office")


FUNCTIONAL_KINDS = frozenset(
    {DepartmentKind.LEGAL, DepartmentKind.FINANCE, DepartmentKind.HR, DepartmentKind.ADMIN,
     DepartmentKind.IT, DepartmentKind.PRODUCT}
)
# Lead quality is judged by a neutral party: never by a member of these.
PARTISAN_KINDS = frozenset({DepartmentKind.SALES, DepartmentKind.MARKETING})


class BusinessCalendar(TimeStampedModel):
    """Working hours per weekday, holidays and make-up working days, in one time zone."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    is_default = models.BooleanField(
        _("default calendar"), default=False,
        help_text=_("Used for every department that names no calendar of its own."),
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True),
                name="one_default_business_calendar",
                violation_error_message=_("Only one calendar can be the default."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                {"time_zone": _("“%(zone)s” is not a known time zone.") % {"zone": self.time_zone}}
            ) from None


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingPeriod(models.Model):
    """A span of working time on a weekday, in the calendar's local time.

    An end at or before the start means the period runs past midnight into the next day; it
    belongs to the day it starts on.
    """

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="periods",
        verbose_name=_("calendar"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("starts at"))
    end_time = models.TimeField(_("ends at"))

    class Meta:
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        ordering = ["calendar", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="working_period_weekday"),
            models.CheckConstraint(
                condition=~Q(start_time=models.F("end_time")),
                name="working_period_not_empty",
                violation_error_message=_(
                    "A working period must not start and end at the same time."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    WORKDAY = "workday", _("Make-up working day")


class CalendarDay(TimeStampedModel):
    """A date that departs from the weekly pattern: a holiday, or a make-up working day."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="days", verbose_name=_("calendar")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    hours_like = models.PositiveSmallIntegerField(
        _("working hours of"), choices=Weekday.choices, default=Weekday.MONDAY,
        help_text=_("A make-up working day keeps the working hours of this weekday."),
    )

    class Meta:
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"], name="one_special_day_per_date",
                violation_error_message=_("This calendar already has an entry for this date."),
            ),
            models.CheckConstraint(condition=Q(hours_like__lte=6), name="calendar_day_hours_like"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class Department(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices)
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, null=True, blank=True,
        related_name="departments", verbose_name=_("business calendar"),
        help_text=_("Leave empty to use the default calendar."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Team(TimeStampedModel):
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="teams", verbose_name=_("department")
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["department", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name"], name="unique_team_name_per_department",
                violation_error_message=_("This department already has a team of that name."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department.name} / {self.name}"


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    LEAD = "lead", _("Team lead")
    HEAD = "head", _("Department head")
    EXECUTIVE = "executive", _("Executive")


class Membership(TimeStampedModel):
    """A user's place in a department, with a role and, in quality, the neutral capabilities."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("user"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="memberships",
        verbose_name=_("department"),
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="memberships",
        verbose_name=_("team"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    is_adjudicator = models.BooleanField(
        _("adjudicator"), default=False,
        help_text=_("Rules on lead-quality disputes. Quality department only; never a member "
                    "of sales or marketing."),
    )
    is_inspector = models.BooleanField(
        _("inspector"), default=False,
        help_text=_("Inspects follow-ups. Quality department only."),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["department", "role", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department"], name="one_membership_per_department",
                violation_error_message=_("This person is already a member of this department."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.department} · {self.get_role_display()}"


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", _("Leave")
    SICK = "sick", _("Sick leave")
    TRIP = "trip", _("Business trip")
    OTHER = "other", _("Other")


class Absence(TimeStampedModel):
    """A span during which a person is away: no work is given to them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences",
        verbose_name=_("user"),
    )
    starts_at = models.DateTimeField(_("away from"))
    ends_at = models.DateTimeField(_("back at"))
    kind = models.CharField(_("kind"), max_length=10, choices=AbsenceKind.choices,
                            default=AbsenceKind.LEAVE)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["user", "starts_at", "ends_at"], name="absence_user_span")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="absence_ends_after_start",
                violation_error_message=_("An absence must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d}–{self.ends_at:%Y-%m-%d}"


class Quota(TimeStampedModel):
    """A sales target for one user, team or department over a period (dates inclusive)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="quotas", verbose_name=_("user"),
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="quotas",
        verbose_name=_("team"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, null=True, blank=True, related_name="quotas",
        verbose_name=_("department"),
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY",
                                validators=[currency_validator])

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["-period_start"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, team__isnull=True, department__isnull=True)
                    | Q(user__isnull=True, team__isnull=False, department__isnull=True)
                    | Q(user__isnull=True, team__isnull=True, department__isnull=False)
                ),
                name="quota_exactly_one_target",
                violation_error_message=_("A quota is for exactly one user, team or department."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="quota_period_order",
                violation_error_message=_("The period must not end before it starts."),
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="quota_amount_not_negative"),
            models.UniqueConstraint(
                fields=["user", "period_start", "period_end"], condition=Q(user__isnull=False),
                name="one_quota_per_user_period",
                violation_error_message=_("This person already has a quota for this period."),
            ),
            models.UniqueConstraint(
                fields=["team", "period_start", "period_end"], condition=Q(team__isnull=False),
                name="one_quota_per_team_period",
                violation_error_message=_("This team already has a quota for this period."),
            ),
            models.UniqueConstraint(
                fields=["department", "period_start", "period_end"],
                condition=Q(department__isnull=False), name="one_quota_per_department_period",
                violation_error_message=_("This department already has a quota for this period."),
            ),
        ]

    def __str__(self) -> str:
        target = self.user or self.team or self.department
        return f"{target} {self.period_start}–{self.period_end} {self.amount} {self.currency}"

    @property
    def target(self):
        return self.user or self.team or self.department


class Heartbeat(models.Model):
    """When a background process last proved it runs (the worker executes `heartbeat_task`)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    beat_at = models.DateTimeField(_("last beat"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"

"""Where leads come from: channels, sources and their campaigns."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coordination.core.org.base import TimeStampedModel
from coordination.core.org.models import currency_validator


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

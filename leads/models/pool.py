"""The lead pool (公海): leads taken back from reps, open to claims."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from coordination.core.org.base import TimeStampedModel
from coordination.core.org.models import Team


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

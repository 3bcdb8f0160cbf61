from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """The event outbox: written in the same transaction as the change it reports, so an event
    exists exactly when its change does; webhooks deliver from here."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    name = models.CharField(_("event"), max_length=64, db_index=True)
    payload = models.JSONField(_("payload"), default=dict)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="event_undispatched",
                                condition=Q(dispatched_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.name} {self.created_at:%Y-%m-%d %H:%M:%S}"

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coordination.core.events.models import Event
from coordination.core.org.base import TimeStampedModel


class WebhookSubscription(TimeStampedModel):
    """An integration's endpoint and the events it listens to.

    Its owner is the API key it was made with (`api_key`), or the person who made it
    (`created_by`, an admin); only a key's subscriptions are limited by scopes.

    The secret signs every delivery (HMAC-SHA256 of the body), so it is stored as it is, not
    hashed; it is shown once when the subscription is created and masked everywhere after.
    """

    url = models.URLField(_("URL"), max_length=500,
                          help_text=_("Receives a signed JSON POST for each event."))
    events = models.JSONField(_("events"), default=list,
                              help_text=_("Names of the events delivered, e.g. dispute.ruled."))
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    # PROTECT: a key is revoked, not deleted, while it owns subscriptions. Never SET_NULL: a
    # subscription without a key is a person's, which gets every event it chose.
    api_key = models.ForeignKey("coordination.ApiKey", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="webhook_subscriptions",
                                verbose_name=_("API key"),
                                help_text=_("The integration that owns this subscription: it "
                                            "gets only the events its key's scopes allow, "
                                            "while the key is usable. Empty when a person "
                                            "(an admin) made it."))

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url

    @property
    def masked_secret(self) -> str:
        return f"…{self.secret[-4:]}" if self.secret else ""


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event to one subscription. Pending until an attempt gets a 2xx answer; failed after
    the last attempt. `next_attempt_at` is when the periodic sweep sends it (again)."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.PROTECT,
                                     related_name="deliveries",
                                     verbose_name=_("subscription"))
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("event"))
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(_("last response code"), null=True,
                                                          blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"],
                                    name="one_delivery_per_subscription_event"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="webhook_delivery_due",
                         condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.event.name} → {self.subscription.url}"


class WebhookAttempt(models.Model):
    """One try at sending a delivery. An attempt without `finished_at` was interrupted (the
    worker died while sending)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE,
                                 related_name="attempt_log", verbose_name=_("delivery"))
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("webhook delivery attempt")
        verbose_name_plural = _("webhook delivery attempts")
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"],
                                    name="one_webhook_attempt_per_number"),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class IdempotencyRecord(models.Model):
    """One `Idempotency-Key` of one caller: claimed while its request runs, then the answer it
    got, kept until `expires_at` for a retry to receive again.

    `principal` names the caller without any secret in it: `user:<id>` for a signed-in person,
    `key:<sha256 of the API key>` for an integration (the same hash the key is stored as).
    """

    principal = models.CharField(_("caller"), max_length=80)
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.TextField(_("path"))
    # SHA-256 of method, path, query string and body: the same key with another request is
    # refused, not answered with the first request's result.
    request_hash = models.CharField(_("request hash"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=IdempotencyStatus.choices,
                              default=IdempotencyStatus.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True,
                                                       blank=True)
    response_body = models.BinaryField(_("response body"), default=b"")
    response_content_type = models.CharField(_("response content type"), max_length=255,
                                             blank=True)
    # The few headers a replay needs to mean the same (a redirect's Location); never cookies.
    response_headers = models.JSONField(_("response headers"), default=dict)
    # When the key was claimed: an in-progress record older than the lock window belongs to a
    # request that died, and a retry may take the key over.
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"],
                                    name="idempotency_one_record_per_caller_key"),
            models.CheckConstraint(
                condition=Q(status=IdempotencyStatus.IN_PROGRESS)
                | Q(response_status__isnull=False),
                name="idempotency_done_has_response",
            ),
        ]
        # The cleanup sweep deletes by expiry.
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expires_at")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"

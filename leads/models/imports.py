"""Files of leads uploaded for import: the preview, then the outcome."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coordination.core.org.base import TimeStampedModel
from leads.models.catalog import Source


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

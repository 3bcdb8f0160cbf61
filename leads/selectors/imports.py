"""Reading file imports: which a person may open, and the recent history."""

from django.db.models import QuerySet

from leads.models import LeadImport
from leads.permissions import can_create_leads


def lead_import_list_for(*, user) -> QuerySet[LeadImport]:
    """Imports `user` may open: every importer may open any import (the preview names who
    uploaded it); only its uploader confirms or cancels it (the services say so)."""
    if not can_create_leads(user):
        return LeadImport.objects.none()
    return LeadImport.objects.select_related("source", "created_by")


def lead_imports_recent(*, user, limit: int = 10) -> QuerySet[LeadImport]:
    """The latest imports for the history on the upload page: one query."""
    return lead_import_list_for(user=user).defer("rows", "problems", "columns").order_by(
        "-created_at", "-id")[:limit]

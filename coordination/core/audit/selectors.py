from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from coordination.core.audit.models import AuditEvent


def audit_history_for(*, obj: models.Model) -> QuerySet[AuditEvent]:
    """Every audit event about `obj`, newest first."""
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
    ).select_related("actor")

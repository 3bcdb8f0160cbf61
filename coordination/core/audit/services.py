"""Recording the audit trail."""

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models

from coordination.core.audit.models import AuditEvent


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def audit_snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The concrete field values of `obj` as JSON-ready data (foreign keys as ids)."""
    data = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        data[field.attname] = _jsonable(getattr(obj, field.attname))
    return data


def _actor_label(actor) -> str:
    if actor is None:
        return "system"
    label = getattr(actor, "audit_label", None)
    if label:
        return str(label)
    return f"{actor} ({actor.get_username()})" if hasattr(actor, "get_username") else str(actor)


def audit_record(*, actor, verb: str, obj: models.Model, before: dict | None = None,
                 after: dict | None = None) -> AuditEvent:
    """Append one event to the audit trail.

    `actor` is a user, an API key principal (recorded by its label) or None for the system.
    Call it inside the service's transaction, so that the event exists exactly when the change
    does.
    """
    is_person = actor is not None and getattr(actor, "pk", None) is not None and hasattr(
        actor, "get_username"
    )
    return AuditEvent.objects.create(
        actor=actor if is_person else None,
        actor_label=_actor_label(actor)[:200],
        verb=verb,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )


def audit_record_many(*, actor, verb: str, objects: list[models.Model],
                      after: list[dict | None] | None = None) -> int:
    """Append one event per object in a single insert (for bulk services)."""
    if not objects:
        return 0
    is_person = actor is not None and getattr(actor, "pk", None) is not None and hasattr(
        actor, "get_username"
    )
    label = _actor_label(actor)[:200]
    content_type = ContentType.objects.get_for_model(objects[0], for_concrete_model=True)
    afters = after or [None] * len(objects)
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=actor if is_person else None, actor_label=label, verb=verb,
                   content_type=content_type, object_id=str(obj.pk), object_repr=str(obj)[:200],
                   after=_jsonable(data) if data is not None else None)
        for obj, data in zip(objects, afters, strict=True)
    ], batch_size=500)
    return len(objects)

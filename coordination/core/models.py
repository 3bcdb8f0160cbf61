"""Models of the `coordination` app, defined by topic in its subpackages.

The organisation core (org, notifications, audit, API keys) is the ground floor: it imports no
feature app.
"""

from coordination.core.apikeys.models import ApiKey
from coordination.core.audit.models import AuditEvent
from coordination.core.events.models import Event
from coordination.core.idempotency.models import IdempotencyRecord
from coordination.core.notifications.models import Notification
from coordination.core.org.models import (
    Absence,
    BusinessCalendar,
    CalendarDay,
    Department,
    Heartbeat,
    Membership,
    Quota,
    Team,
    User,
    WorkingPeriod,
)
from coordination.core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "Absence",
    "ApiKey",
    "AuditEvent",
    "Event",
    "BusinessCalendar",
    "CalendarDay",
    "Department",
    "Heartbeat",
    "IdempotencyRecord",
    "Membership",
    "Notification",
    "Quota",
    "Team",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkingPeriod",
]

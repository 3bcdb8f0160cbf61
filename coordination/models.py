"""Models of the `coordination` app, defined by topic in its subpackages.

The organisation core (org, notifications, audit, API keys) is the ground floor: it imports no
feature app.
"""

from coordination.apikeys.models import ApiKey
from coordination.audit.models import AuditEvent
from coordination.events.models import Event
from coordination.notifications.models import Notification
from coordination.org.models import (
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
from coordination.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "Absence",
    "ApiKey",
    "AuditEvent",
    "Event",
    "BusinessCalendar",
    "CalendarDay",
    "Department",
    "Heartbeat",
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

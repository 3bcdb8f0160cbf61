"""Models of the `coordination` app, defined by topic in its subpackages.

The organisation core (org, notifications, audit, API keys) is the ground floor: it imports no
feature app.
"""

from coordination.apikeys.models import ApiKey
from coordination.audit.models import AuditEvent
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

__all__ = [
    "Absence",
    "ApiKey",
    "AuditEvent",
    "BusinessCalendar",
    "CalendarDay",
    "Department",
    "Heartbeat",
    "Membership",
    "Notification",
    "Quota",
    "Team",
    "User",
    "WorkingPeriod",
]

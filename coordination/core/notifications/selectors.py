from django.db.models import QuerySet

from coordination.core.notifications.models import Notification


def notification_list_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def notification_unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).count()

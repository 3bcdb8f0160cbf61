from django.utils.functional import SimpleLazyObject

from coordination.core.notifications.selectors import notification_unread_count
from coordination.core.org.permissions import is_person, memberships_of
from coordination.core.web.navigation import navigation_for


def layout(request):
    """What the base layout needs: navigation by role, unread count, the user's roles.

    Lazy, so that pages which do not render the layout (API, health) pay no query.
    """
    user = getattr(request, "user", None)
    if user is None or not is_person(user):
        return {}
    return {
        "nav_items": SimpleLazyObject(lambda: navigation_for(user, request.path)),
        "unread_notifications": SimpleLazyObject(lambda: notification_unread_count(user=user)),
        "my_memberships": SimpleLazyObject(lambda: memberships_of(user)),
    }

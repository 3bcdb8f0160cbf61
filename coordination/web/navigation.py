"""The navigation of the base layout, by role. Later apps add their entries here."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coordination.org import permissions


@dataclass(frozen=True)
class NavItem:
    key: str
    label: object
    url_name: str
    visible: Callable[[object], bool]


NAVIGATION: list[NavItem] = [
    NavItem("home", _("Home"), "home", permissions.is_person),
    NavItem("notifications", _("Notifications"), "notifications", permissions.is_person),
    NavItem("organisation", _("Organisation"), "organisation", permissions.is_person),
    NavItem("api", _("API"), "api-docs",
            lambda user: permissions.is_superuser(user) or permissions.is_executive(user)),
    NavItem("admin", _("Admin"), "admin:index", lambda user: getattr(user, "is_staff", False)),
]


def navigation_for(user, path: str = "") -> list[dict]:
    """The entries `user` may see; the one whose address is the longest prefix of `path` is
    current ("/" only when it is the whole path)."""
    items = [
        {"key": item.key, "label": item.label, "url": reverse(item.url_name), "current": False}
        for item in NAVIGATION if item.visible(user)
    ]
    matches = [item for item in items
               if path == item["url"] or (item["url"] != "/" and path.startswith(item["url"]))]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["current"] = True
    return items

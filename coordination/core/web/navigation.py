"""The navigation of the base layout, by role, filled by the apps from their AppConfig.ready()
with `nav_register`."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from coordination.core.registry import Registry


@dataclass(frozen=True)
class NavItem:
    key: str
    label: object
    url_name: str
    visible: Callable[[object], bool]
    # Place in the bar, smallest first: the core's pages take 0 (home) and 900 and above
    # (notifications, organisation, API, admin); each app picks a range between.
    order: int = 500
    # Current only on its own address, not on the pages below it: "Leads" (/leads/) is not
    # the current entry on a lead's page or on /leads/import/.
    exact: bool = False


NAVIGATION: Registry[NavItem] = Registry("navigation", key=lambda item: item.key)


def nav_register(item: NavItem) -> NavItem:
    return NAVIGATION.register(item)


def navigation_for(user, path: str = "") -> list[dict]:
    """The entries `user` may see; the one whose address is the longest prefix of `path` is
    current ("/" and the `exact` entries only when it is the whole path)."""
    items = []
    matches = []
    for item in NAVIGATION:
        if not item.visible(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            # A page another part of the project has not wired yet: leave it out, do not
            # break every page.
            continue
        entry = {"key": item.key, "label": item.label, "url": url, "current": False}
        items.append(entry)
        exact = item.exact or url == "/"
        if path == url or (not exact and path.startswith(url)):
            matches.append(entry)
    if matches:
        max(matches, key=lambda entry: len(entry["url"]))["current"] = True
    return items

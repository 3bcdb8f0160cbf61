"""The navigation of the base layout, by role. Later apps add their entries here."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from coordination.core.org import permissions
from coordination.metrics.permissions import can_view_scoreboard
from leads import permissions as lead_permissions


@dataclass(frozen=True)
class NavItem:
    key: str
    label: object
    url_name: str
    visible: Callable[[object], bool]
    # Current only on its own address, not on the pages below it: "Leads" (/leads/) is not
    # the current entry on a lead's page or on /leads/import/.
    exact: bool = False


NAVIGATION: list[NavItem] = [
    NavItem("home", _("Home"), "home", permissions.is_person),
    NavItem("my_leads", _("My leads"), "leads:mine", lead_permissions.is_sales),
    NavItem("leads", _("Leads"), "leads:list",
            lead_permissions.can_list_leads, exact=True),
    NavItem("team", _("Team"), "leads:team", lead_permissions.is_sales_manager),
    NavItem("pool", _("Lead pool"), "leads:pool", lead_permissions.is_sales),
    NavItem("follow_ups", _("Follow-ups"), "leads:follow_ups",
            lambda user: lead_permissions.is_sales_manager(user) or permissions.is_executive(user)),
    NavItem("disputes", _("Disputes"), "leads:disputes", lead_permissions.can_see_quality_queue),
    NavItem("inspections", _("Inspections"), "leads:inspections",
            lead_permissions.can_inspect),
    NavItem("quality_results", _("Quality results"), "leads:quality_results",
            lead_permissions.is_sales),
    NavItem("import_leads", _("Import leads"), "leads_import:upload",
            lead_permissions.can_create_leads),
    NavItem("scoreboard", _("Scoreboard"), "dashboards:scoreboard", can_view_scoreboard),
    NavItem("notifications", _("Notifications"), "notifications", permissions.is_person),
    NavItem("organisation", _("Organisation"), "organisation", permissions.is_person),
    NavItem("api", _("API"), "api-docs",
            lambda user: permissions.is_superuser(user) or permissions.is_executive(user)),
    NavItem("admin", _("Admin"), "admin:index", lambda user: getattr(user, "is_staff", False)),
]


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

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """The top floor: pages that show the metrics."""

    name = "coordination.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from coordination.core.web.navigation import NavItem, nav_register
        from coordination.core.web.routes import page_route_register
        from coordination.metrics.permissions import can_view_scoreboard

        page_route_register("", "coordination.dashboards.urls", order=800)

        nav_register(NavItem("scoreboard", _("Scoreboard"), "dashboards:scoreboard",
                             can_view_scoreboard, order=800))

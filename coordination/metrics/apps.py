from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    """Every figure, defined once, above the feature apps it reads."""

    name = "coordination.metrics"
    label = "metrics"
    verbose_name = _("Metrics")

    def ready(self) -> None:
        from coordination.core.api.routes import api_route_register

        api_route_register("coordination.metrics.urls", order=800)

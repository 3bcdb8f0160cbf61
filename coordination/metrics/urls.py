"""The metrics API, under /api/v1/ (MetricsConfig.ready() names this module to the core's API
routes)."""

from django.urls import path

from coordination.metrics.apis import FunnelView

urlpatterns = [
    path("metrics/funnel/", FunnelView.as_view(), name="metrics-funnel"),
]

from django.urls import path
from rest_framework.routers import DefaultRouter

from coordination.core.api.views import (
    DepartmentViewSet,
    MembershipViewSet,
    NotificationViewSet,
    UserViewSet,
)
from coordination.core.webhooks.apis import WebhookSubscriptionViewSet
from coordination.metrics.apis import FunnelView
from leads import api_urls as leads_api_urls


class Router(DefaultRouter):
    """Resources are found by their numeric id: any other id does not match a route, and
    answers 404 in the API's error format (coordination.core.web.errors) instead of reaching a
    query that would fail on it."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if not hasattr(viewset, "lookup_value_regex"):
            viewset = type(viewset.__name__, (viewset,), {"lookup_value_regex": "[0-9]+"})
        return super().get_lookup_regex(viewset, lookup_prefix)


router = Router()
router.register("departments", DepartmentViewSet, basename="department")
router.register("users", UserViewSet, basename="user")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")

# Each feature app registers its resources on the same router (flat under /api/v1/).
leads_api_urls.register(router)

urlpatterns = [*leads_api_urls.extra_urlpatterns,
               path("metrics/funnel/", FunnelView.as_view(), name="metrics-funnel"),
               *router.urls]

from django.urls import path
from rest_framework.routers import DefaultRouter

from coordination.api.views import (
    DepartmentViewSet,
    MembershipViewSet,
    NotificationViewSet,
    UserViewSet,
)
from coordination.metrics.apis import FunnelView
from coordination.webhooks.apis import WebhookSubscriptionViewSet
from leads import api_urls as leads_api_urls

router = DefaultRouter()
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

"""API resources of the organisation core, registered on the project's /api/v1/ router
(CoreConfig.ready() names this module to coordination.core.api.routes)."""

from coordination.core.api.views import (
    DepartmentViewSet,
    MembershipViewSet,
    NotificationViewSet,
    UserViewSet,
)
from coordination.core.webhooks.apis import WebhookSubscriptionViewSet

urlpatterns: list = []


def register(router) -> None:
    router.register("departments", DepartmentViewSet, basename="department")
    router.register("users", UserViewSet, basename="user")
    router.register("memberships", MembershipViewSet, basename="membership")
    router.register("notifications", NotificationViewSet, basename="notification")
    router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")

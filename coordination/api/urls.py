from rest_framework.routers import DefaultRouter

from coordination.api.views import (
    DepartmentViewSet,
    MembershipViewSet,
    NotificationViewSet,
    UserViewSet,
)

router = DefaultRouter()
router.register("departments", DepartmentViewSet, basename="department")
router.register("users", UserViewSet, basename="user")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls

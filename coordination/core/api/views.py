"""API of the organisation core: departments, users, the caller's notifications."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coordination.core.api.filters import DepartmentFilter, MembershipFilter, UserFilter
from coordination.core.api.serializers import (
    DepartmentSerializer,
    MembershipWriteSerializer,
    NotificationSerializer,
    UserSerializer,
)
from coordination.core.notifications.selectors import notification_list_for
from coordination.core.notifications.services import (
    notification_mark_read,
    notifications_mark_all_read,
)
from coordination.core.org.models import Department, Membership, Team, User
from coordination.core.org.permissions import is_person
from coordination.core.org.services import membership_create, membership_delete, membership_update


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    required_scopes = {"read": "org:read"}
    cursor_ordering = ("name",)

    def get_queryset(self):
        return Department.objects.prefetch_related(
            Prefetch("teams", queryset=Team.objects.order_by("name"))
        )


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UserSerializer
    filterset_class = UserFilter
    required_scopes = {"read": "org:read"}
    cursor_ordering = ("username",)

    def get_queryset(self):
        return User.objects.prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("department"))
        )


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in person's inbox. Integrations have no inbox: no scope opens it."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        if not is_person(self.request.user):
            return notification_list_for(user=None).none()
        return notification_list_for(user=self.request.user)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None, version=None):
        notification_mark_read(notification=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: None})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request, version=None):
        count = notifications_mark_all_read(user=request.user)
        return Response({"marked_read": count})


class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                        viewsets.GenericViewSet):
    """Memberships: read by everyone; changed through the membership services, which decide
    who may grant what (`membership_change_denial`): admins, heads of the department (members
    and team leads only, never their own), keys with `org:write` (members and team leads) or
    `org:admin` (heads and executives too)."""

    serializer_class = MembershipWriteSerializer
    required_scopes = {"read": "org:read", "write": "org:write"}
    cursor_ordering = ("id",)
    filterset_class = MembershipFilter

    def get_queryset(self):
        return Membership.objects.select_related("user", "department", "team")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = membership_create(
            user=data["user"], department=data["department"], team=data.get("team"),
            role=data.get("role", "member"), is_adjudicator=data.get("is_adjudicator", False),
            is_inspector=data.get("is_inspector", False), actor=self.request.user,
        )

    def perform_update(self, serializer):
        membership = serializer.instance
        changes = {k: v for k, v in serializer.validated_data.items() if k != "user"}
        serializer.instance = membership_update(membership=membership, actor=self.request.user,
                                                **changes)

    def perform_destroy(self, instance):
        membership_delete(membership=instance, actor=self.request.user)

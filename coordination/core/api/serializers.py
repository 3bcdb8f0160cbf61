"""Serializers of the core API: the error format every app answers with, and the
organisation's resources."""

from rest_framework import serializers

from coordination.core.notifications.models import Notification
from coordination.core.org.models import Department, Membership, Team, User

# The API's error format (coordination.core.api.errors) -------------------------------------------


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    """The API's error format, for the schema of responses that are only errors."""

    errors = ErrorItemSerializer(many=True)


# Organisation ------------------------------------------------------------------------------------


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class DepartmentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    teams = TeamSerializer(many=True, read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "kind", "kind_display", "is_active", "teams", "created_at"]


class MembershipSerializer(serializers.ModelSerializer):
    department = serializers.PrimaryKeyRelatedField(read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    team = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = ["department", "department_name", "team", "role", "is_adjudicator",
                  "is_inspector"]


class UserSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)
    # Read as stored: empty for people without an e-mail address (not an "email" format).
    email = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "is_active", "memberships"]


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "created_at", "kind", "title", "body", "url", "is_read", "read_at"]


class MembershipWriteSerializer(serializers.ModelSerializer):
    """Input for creating or changing a membership; the rules are checked by the service."""

    class Meta:
        model = Membership
        fields = ["id", "user", "department", "team", "role", "is_adjudicator", "is_inspector"]

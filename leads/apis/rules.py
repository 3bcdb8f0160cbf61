"""API of the assignment rules."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from rest_framework import mixins, viewsets

from coordination.core.errors import PermissionDenied
from leads.filters import AssignmentRuleFilter
from leads.models import AssignmentRule, RulePoolMember
from leads.permissions import can_change_rules, can_read_rules
from leads.serializers import AssignmentRuleSerializer
from leads.services import rule_save


class AssignmentRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            mixins.CreateModelMixin, mixins.UpdateModelMixin,
                            viewsets.GenericViewSet):
    """Assignment rules in the order they are tried. Read by admins, executives, sales heads
    and team leads; changed by admins. API keys may read them (leads:read), never change them."""

    serializer_class = AssignmentRuleSerializer
    filterset_class = AssignmentRuleFilter
    required_scopes = {"read": "leads:read"}
    # Few rows: the cursor's position is the priority, ties resolved by offset.
    cursor_ordering = ("priority", "id")

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can_read_rules(request.user):
            raise PermissionDenied(_("Only admins, executives and sales managers may see the "
                                     "assignment rules."))
        if request.method not in ("GET", "HEAD", "OPTIONS") and not can_change_rules(request.user):
            raise PermissionDenied(_("Only an admin may change the assignment rules."))

    def get_queryset(self):
        return AssignmentRule.objects.prefetch_related(
            Prefetch("members", queryset=RulePoolMember.objects.select_related("user")
                     .order_by("id")))

    def perform_create(self, serializer):
        rule = rule_save(rule=AssignmentRule(), data=dict(serializer.validated_data),
                          actor=self.request.user)
        serializer.instance = self.get_queryset().get(pk=rule.pk)

    def perform_update(self, serializer):
        rule = rule_save(rule=serializer.instance, data=dict(serializer.validated_data),
                          actor=self.request.user)
        serializer.instance = self.get_queryset().get(pk=rule.pk)

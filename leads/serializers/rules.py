"""Serializers of assignment rules."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from coordination.core.org.models import User
from leads.models import AssignmentRule, RulePoolMember


class RuleRepSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    weight = serializers.IntegerField(min_value=1, default=1)

    class Meta:
        model = RulePoolMember
        fields = ["user", "full_name", "weight"]


class AssignmentRuleSerializer(serializers.ModelSerializer):
    reps = RuleRepSerializer(
        source="members", many=True, required=False,
        help_text=_("Named reps and their weights; when given on a change, they replace the "
                    "named reps. Empty: the pool team's members."))
    conditions = serializers.JSONField(
        required=False,
        help_text=_('All must match: [{"field": "region", "op": "in", "value": ["上海"]}].'))
    escalation_ladder = serializers.JSONField(
        required=False,
        help_text=_('[{"after_days": 0, "action": "remind"}, ...]; actions: remind, '
                    'copy_head, reassign.'))

    class Meta:
        model = AssignmentRule
        fields = [
            "id", "name", "priority", "is_active", "conditions", "team", "reps", "strategy",
            "daily_cap", "first_contact_sla_minutes", "next_step_sla_minutes",
            "max_reassignments", "on_exhausted", "recycle_pool", "recycle_after_idle_days",
            "escalation_ladder", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"first_contact_sla_minutes": {"min_value": 1}}

    def validate_reps(self, reps):
        users = [rep["user"].pk for rep in reps]
        if len(users) != len(set(users)):
            raise serializers.ValidationError(_("Name each rep once."), code="unique")
        return reps

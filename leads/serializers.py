"""Serializers of the leads API: explicit fields, input shapes checked here, rules in services."""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coordination.core.org.models import User, currency_validator
from leads.models import (
    AssignmentRule,
    Campaign,
    ContactChannel,
    FollowUp,
    Lead,
    LostReason,
    Outcome,
    RulePoolMember,
    Source,
)
from leads.services import BULK_LIMIT

# Sources and campaigns ---------------------------------------------------------------------------


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "name", "channel", "is_active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class CampaignSerializer(serializers.ModelSerializer):
    source_name = serializers.CharField(source="source.name", read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "source", "source_name", "name", "starts_on", "ends_on", "spend",
                  "currency", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        # The model's constraints are checked in validate() so that each error names its field.
        validators: list = []

    def validate(self, attrs):
        instance = self.instance
        source = attrs.get("source", getattr(instance, "source", None))
        name = attrs.get("name", getattr(instance, "name", None))
        starts_on = attrs.get("starts_on", getattr(instance, "starts_on", None))
        ends_on = attrs.get("ends_on", getattr(instance, "ends_on", None))
        if instance is not None and source is not None and source != instance.source:
            # Its leads came from its source; moving it would give them a foreign campaign.
            raise serializers.ValidationError(
                {"source": _("A campaign's source cannot change.")}, code="invalid")
        if starts_on and ends_on and ends_on < starts_on:
            raise serializers.ValidationError(
                {"ends_on": _("A campaign must not end before it starts.")}, code="invalid")
        if source is not None and name:
            taken = Campaign.objects.filter(source=source, name=name)
            if instance is not None:
                taken = taken.exclude(pk=instance.pk)
            if taken.exists():
                raise serializers.ValidationError(
                    {"name": _("This source already has a campaign of that name.")},
                    code="unique")
        return attrs


# Leads -------------------------------------------------------------------------------------------


class LeadSerializer(serializers.ModelSerializer):
    """A lead as lists and details show it. Reads only the relations the selector joins."""

    source_name = serializers.CharField(source="source.name", read_only=True)
    campaign_name = serializers.CharField(source="campaign.name", read_only=True,
                                          allow_null=True, default=None)
    owner_name = serializers.CharField(source="owner.full_name", read_only=True,
                                       allow_null=True, default=None)
    deadline = serializers.DateTimeField(
        source="current_deadline", read_only=True, allow_null=True,
        help_text=_("The clock that runs now: first contact until it happened, then the next "
                    "step."))
    pool_name = serializers.CharField(source="pool.name", read_only=True, allow_null=True,
                                      default=None)
    lost_reason = serializers.SlugRelatedField(slug_field="code", read_only=True,
                                               allow_null=True)
    # Empty when the lead came with another contact: text, not the "email" format.
    email = serializers.CharField(read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id", "name", "phone", "email", "wechat_id", "company", "region",
            "product_interest", "attributes", "source", "source_name", "campaign",
            "campaign_name", "external_id", "duplicate_of", "status", "owner", "owner_name",
            "rule", "assigned_at", "first_contact_due_at", "first_contacted_at",
            "last_follow_up_at", "next_step_due_at", "deadline", "reassignment_count",
            "unassigned_reason", "pool", "pool_name", "pooled_at", "lost_reason", "won_value",
            "won_currency", "closed_at", "created_at", "updated_at",
        ]
        read_only_fields = fields


class LeadInputSerializer(serializers.Serializer):
    """The fields of one incoming lead. Only their shape is checked here; lead_clean (the
    intake service) normalises and validates them for every door alike."""

    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True,
                                  help_text=_("Any common format; stored as +86…."))
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    wechat_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    product_interest = serializers.CharField(max_length=100, required=False, allow_blank=True)
    attributes = serializers.DictField(required=False)
    campaign = serializers.IntegerField(required=False, allow_null=True,
                                        help_text=_("A campaign of the same source."))
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True,
        help_text=_("The lead's ID in the sending system: a lead sent twice is created once."))


class LeadCreateSerializer(LeadInputSerializer):
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all())


@extend_schema_field(LeadInputSerializer(many=True))
class _BulkLeadsField(serializers.ListField):
    """Records are checked one by one by the service, so that one bad record fails alone."""


class LeadBulkCreateSerializer(serializers.Serializer):
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all())
    leads = _BulkLeadsField(
        child=serializers.JSONField(allow_null=True), max_length=BULK_LIMIT,
        error_messages={"max_length": _("At most {max_length} leads per call.")})


class BulkItemSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    id = serializers.IntegerField()
    external_id = serializers.CharField()


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    """The API's error format, for the schema of responses that are only errors."""

    errors = ErrorItemSerializer(many=True)


class BulkFailureSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField()
    errors = ErrorItemSerializer(many=True)


class BulkResultSerializer(serializers.Serializer):
    """Documentation of the bulk response; the view builds it from the service's BulkResult."""

    created = BulkItemSerializer(many=True)
    existing = BulkItemSerializer(many=True)
    failed = BulkFailureSerializer(many=True)


# Actions on a lead -------------------------------------------------------------------------------


class LeadAssignSerializer(serializers.Serializer):
    to_user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    note = serializers.CharField(max_length=300)


class LeadWinSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    currency = serializers.CharField(max_length=3, default="CNY",
                                     validators=[currency_validator])


class LeadLoseSerializer(serializers.Serializer):
    reason = serializers.SlugRelatedField(slug_field="code", queryset=LostReason.objects.all(),
                                          help_text=_("The code of a lost reason."))
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


# Follow-ups --------------------------------------------------------------------------------------


class _DateTimeAsSentField(serializers.DateTimeField):
    """An ISO 8601 date-time read as the caller sent it. DRF would convert an aware one to the
    site's time zone first, hiding from the service an offset no time zone has (which it
    refuses); and a naive one at the calendar's edge overflows in DRF's check of the zone."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value)
            except ValueError:  # well formed, but no such date: DRF's message below
                parsed = None
            if parsed is not None and timezone.is_aware(parsed):
                return parsed
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("overflow")


class FollowUpSerializer(serializers.ModelSerializer):
    """A follow-up as read, and the input for logging one (one component in the schema, so
    that the contact channels are one named enum)."""

    author_name = serializers.CharField(source="author.full_name", read_only=True)
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    # Notes, next step and its date are required, but by the service (follow_up_create), which
    # also knows the notes' minimum length and the horizon: one rule, one message.
    notes = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, allow_null=True, default="",
        help_text=_("What was said, in at least the minimum length the admin sets (10 "
                    "characters by default, spaces not counted). Null when the caller may not "
                    "read follow-up notes (marketing)."))
    next_step = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                      default="")
    next_step_at = _DateTimeAsSentField(
        required=False, allow_null=True, default=None,
        help_text=_("Required: in the future and within the horizon the admin sets (30 days by "
                    "default)."))

    class Meta:
        model = FollowUp
        fields = ["id", "created_at", "lead", "author", "author_name", "channel", "outcome",
                  "notes", "next_step", "next_step_at"]
        read_only_fields = ["id", "created_at", "lead", "author"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_notes", False):
            data["notes"] = None
        return data


# Assignment rules --------------------------------------------------------------------------------


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


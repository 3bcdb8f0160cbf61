"""Serializers of leads: a lead as read, the input of one or many new leads, and the actions on a
lead. Explicit fields; the shape of input is checked here, the rules by the services."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coordination.core.api.serializers import ErrorItemSerializer
from coordination.core.org.models import User, currency_validator
from leads.models import Lead, LostReason, Source
from leads.services import BULK_LIMIT


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

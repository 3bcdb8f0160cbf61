"""Serializers of the leads API, one module per topic: explicit fields, input shapes checked
here, rules in services. Re-exported here for callers that want one name."""

# The error format is the core's (coordination.core.api.serializers); re-exported for callers
# of the old leads.serializers.
from coordination.core.api.serializers import ErrorItemSerializer, ErrorsSerializer
from leads.serializers.catalog import CampaignSerializer, SourceSerializer
from leads.serializers.follow_up import FollowUpSerializer
from leads.serializers.inspection import (
    CriterionSerializer,
    InspectionAnswerSerializer,
    InspectionFollowUpSerializer,
    InspectionScoreSerializer,
    InspectionSerializer,
)
from leads.serializers.lead import (
    BulkFailureSerializer,
    BulkItemSerializer,
    BulkResultSerializer,
    LeadAssignSerializer,
    LeadBulkCreateSerializer,
    LeadCreateSerializer,
    LeadInputSerializer,
    LeadLoseSerializer,
    LeadSerializer,
    LeadWinSerializer,
)
from leads.serializers.quality import (
    AttachmentUploadSerializer,
    DisputeAttachmentSerializer,
    DisputeCreateSerializer,
    DisputeFollowUpSerializer,
    DisputeSerializer,
    ReasonField,
    RulingInputSerializer,
    RulingSerializer,
)
from leads.serializers.rules import AssignmentRuleSerializer, RuleRepSerializer

__all__ = [
    "AssignmentRuleSerializer",
    "AttachmentUploadSerializer",
    "BulkFailureSerializer",
    "BulkItemSerializer",
    "BulkResultSerializer",
    "CampaignSerializer",
    "CriterionSerializer",
    "DisputeAttachmentSerializer",
    "DisputeCreateSerializer",
    "DisputeFollowUpSerializer",
    "DisputeSerializer",
    "ErrorItemSerializer",
    "ErrorsSerializer",
    "FollowUpSerializer",
    "InspectionAnswerSerializer",
    "InspectionFollowUpSerializer",
    "InspectionScoreSerializer",
    "InspectionSerializer",
    "LeadAssignSerializer",
    "LeadBulkCreateSerializer",
    "LeadCreateSerializer",
    "LeadInputSerializer",
    "LeadLoseSerializer",
    "LeadSerializer",
    "LeadWinSerializer",
    "ReasonField",
    "RuleRepSerializer",
    "RulingInputSerializer",
    "RulingSerializer",
    "SourceSerializer",
]

"""REST API of the leads app, one module per topic: sources and campaigns, leads and their
actions, follow-ups, the lead pool, assignment rules, disputes and inspections. Thin: each
endpoint checks input, asks the selector for what the caller may see and calls one service."""

from leads.apis.catalog import CampaignViewSet, SourceViewSet
from leads.apis.follow_up import FollowUpViewSet
from leads.apis.inspection import InspectionViewSet
from leads.apis.lead import LeadViewSet
from leads.apis.pool import PoolViewSet
from leads.apis.quality import DisputeViewSet
from leads.apis.rules import AssignmentRuleViewSet

__all__ = [
    "AssignmentRuleViewSet",
    "CampaignViewSet",
    "DisputeViewSet",
    "FollowUpViewSet",
    "InspectionViewSet",
    "LeadViewSet",
    "PoolViewSet",
    "SourceViewSet",
]

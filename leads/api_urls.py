"""API resources of the leads app, registered on the project's /api/v1/ router."""

from leads.apis import (
    AssignmentRuleViewSet,
    CampaignViewSet,
    DisputeViewSet,
    FollowUpViewSet,
    InspectionViewSet,
    LeadViewSet,
    PoolViewSet,
    SourceViewSet,
)

# Paths the router cannot express go here. leads/bulk is an action of the lead resource, and
# the follow-ups of a lead are registered on the router with the lead's id in the prefix.
urlpatterns: list = []


def register(router) -> None:
    """Register the leads resources on `router`."""
    router.register("sources", SourceViewSet, basename="source")
    router.register("campaigns", CampaignViewSet, basename="campaign")
    router.register("leads", LeadViewSet, basename="lead")
    router.register(r"leads/(?P<lead_id>[0-9]+)/follow-ups", FollowUpViewSet,
                    basename="lead-follow-up")
    router.register("pool", PoolViewSet, basename="pool")
    router.register("assignment-rules", AssignmentRuleViewSet, basename="assignment-rule")
    router.register("disputes", DisputeViewSet, basename="dispute")
    router.register("inspections", InspectionViewSet, basename="inspection")

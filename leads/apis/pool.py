"""API of the lead pool: the leads waiting to be claimed (the claim is an action of a lead)."""

from rest_framework import mixins, viewsets

from coordination.core.api.schema import building_schema
from leads.filters import PoolLeadFilter
from leads.models import Lead
from leads.selectors import lead_list_for
from leads.serializers import LeadSerializer


class PoolViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Leads waiting in the lead pools the caller may claim from (heads see every pool)."""

    serializer_class = LeadSerializer
    filterset_class = PoolLeadFilter
    required_scopes = {"read": "leads:read"}
    cursor_ordering = ("-id",)

    def get_queryset(self):
        if building_schema(self):
            return Lead.objects.none()
        return (lead_list_for(user=self.request.user).filter(pool__isnull=False)
                .select_related("lost_reason"))

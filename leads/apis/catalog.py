"""API of sources and campaigns: read by everyone with access to leads, written by admins and
marketing through the catalogue service."""

from django.utils.translation import gettext as _
from rest_framework import mixins, viewsets

from coordination.core.errors import PermissionDenied
from leads.apis.scopes import LEAD_SCOPES
from leads.filters import CampaignFilter
from leads.models import Campaign, Source
from leads.permissions import can_change_catalog
from leads.serializers import CampaignSerializer, SourceSerializer
from leads.services.rules import catalog_save


def _require_may_change_catalog(user) -> None:
    if not can_change_catalog(user):
        raise PermissionDenied(_("Only an admin or marketing may change sources and campaigns."))


class _CatalogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Read by everyone with access to leads; written by admins and marketing. No delete:
    leads keep their source and campaign."""

    required_scopes = LEAD_SCOPES

    def check_permissions(self, request):
        super().check_permissions(request)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            _require_may_change_catalog(request.user)

    def perform_create(self, serializer):
        model = serializer.Meta.model
        serializer.instance = catalog_save(instance=model(), data=serializer.validated_data,
                                           actor=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = catalog_save(instance=serializer.instance,
                                           data=serializer.validated_data,
                                           actor=self.request.user)


class SourceViewSet(_CatalogViewSet):
    serializer_class = SourceSerializer
    filterset_fields = ["channel", "is_active"]
    cursor_ordering = ("name",)

    def get_queryset(self):
        return Source.objects.all()


class CampaignViewSet(_CatalogViewSet):
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    cursor_ordering = ("-id",)

    def get_queryset(self):
        return Campaign.objects.select_related("source")

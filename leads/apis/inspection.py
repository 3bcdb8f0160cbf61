"""API of the quality inspection of follow-ups. Scoring is checked for the capability before
the inspection is looked up, so that whoever lacks it hears 403 for any id. Integrations read
with `quality:read`; they never score: that needs a person."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coordination.core.api.schema import DETAIL_ERRORS, building_schema
from coordination.core.errors import PermissionDenied
from coordination.core.org import permissions as org
from coordination.core.org.models import DepartmentKind
from leads.filters import InspectionFilter
from leads.models import Inspection
from leads.permissions import can_inspect, can_read_notes_in_lists
from leads.selectors import inspection_list_for
from leads.serializers import InspectionScoreSerializer, InspectionSerializer
from leads.services import inspection_score


@extend_schema_view(
    list=extend_schema(description=gettext_lazy(
        "Inspectors see the queue and what they scored; reps the scored inspections of their "
        "own follow-ups; team leads and heads those of their people.")),
    retrieve=extend_schema(responses={200: InspectionSerializer, **DETAIL_ERRORS}),
)
class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Quality inspection of follow-ups (质检), scored by inspectors on the scorecard."""

    serializer_class = InspectionSerializer
    filterset_class = InspectionFilter
    required_scopes = {"read": "quality:read"}
    cursor_ordering = ("-id",)

    def get_queryset(self):
        if building_schema(self):
            return Inspection.objects.none()
        return inspection_list_for(user=self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not building_schema(self):
            user = self.request.user
            quality_side = org.is_person(user) and (
                org.is_superuser(user) or org.is_executive(user)
                or org.is_member_of_kind(user, DepartmentKind.QUALITY))
            context.update(show_notes=can_inspect(user) or can_read_notes_in_lists(user),
                           show_inspector=quality_side)
        return context

    @extend_schema(
        request=InspectionScoreSerializer,
        responses={200: InspectionSerializer, **DETAIL_ERRORS},
        description=gettext_lazy(
            "Score a follow-up on the scorecard: an answer for every criterion. Inspectors "
            "only; the second scoring of a double-scored follow-up is by another inspector."))
    @action(detail=True, methods=["post"])
    def score(self, request, *args, **kwargs):
        if not can_inspect(request.user):
            raise PermissionDenied(_("Only an inspector of the quality department may score."))
        inspection = self.get_object()
        serializer = InspectionScoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection_score(inspection=inspection, inspector=request.user,
                         **serializer.validated_data)
        inspection = self.get_queryset().get(pk=inspection.pk)
        return Response(self.get_serializer(inspection).data)

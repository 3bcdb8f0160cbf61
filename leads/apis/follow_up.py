"""API of the follow-ups of a lead."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from coordination.core.api.schema import DETAIL_ERRORS, building_schema
from coordination.core.errors import PermissionDenied
from leads.apis.scopes import LEAD_SCOPES
from leads.filters import FollowUpFilter
from leads.models import FollowUp, Lead
from leads.permissions import can_log_follow_up, can_read_follow_up_notes
from leads.selectors import follow_up_list_for, lead_list_for
from leads.serializers import FollowUpSerializer
from leads.services import follow_up_create

LEAD_ID = OpenApiParameter("lead_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                           description=gettext_lazy("The lead's ID."))


@extend_schema_view(
    list=extend_schema(parameters=[LEAD_ID]),
    create=extend_schema(parameters=[LEAD_ID], request=FollowUpSerializer,
                         responses={201: FollowUpSerializer, **DETAIL_ERRORS}),
)
class FollowUpViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Follow-ups of one lead, newest first. Notes are null for callers who may not read them
    (marketing); only the lead's owner logs one."""

    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    required_scopes = LEAD_SCOPES
    cursor_ordering = ("-id",)

    def lead(self) -> Lead:
        if not hasattr(self, "_lead"):
            self._lead = get_object_or_404(lead_list_for(user=self.request.user),
                                           pk=self.kwargs["lead_id"])
        return self._lead

    def get_queryset(self):
        if building_schema(self):
            return FollowUp.objects.none()
        return follow_up_list_for(user=self.request.user).filter(lead=self.lead())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not building_schema(self):
            context["show_notes"] = can_read_follow_up_notes(self.request.user, self.lead())
        return context

    def create(self, request, *args, **kwargs):
        lead = self.lead()
        # Checked before the input, so that someone who may not log hears that first.
        if not can_log_follow_up(request.user, lead):
            raise PermissionDenied(_("Only the lead's owner can log a follow-up on it."))
        serializer = FollowUpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        follow_up = follow_up_create(lead=lead, author=request.user, channel=data["channel"],
                                     outcome=data["outcome"], notes=data["notes"] or "",
                                     next_step=data["next_step"],
                                     next_step_at=data["next_step_at"])
        return Response(FollowUpSerializer(follow_up, context={"show_notes": True}).data,
                        status=status.HTTP_201_CREATED)

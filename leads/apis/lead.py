"""API of leads: the leads the caller may see, creating them one by one or in bulk, and the
actions on a lead. Thin: each endpoint checks input, asks the selector for what the caller may
see and calls one service."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coordination.core.api.errors import ErrorStatusMixin
from coordination.core.api.schema import DETAIL_ERRORS, ERRORS, building_schema
from coordination.core.api.serializers import ErrorsSerializer
from coordination.core.errors import PermissionDenied
from coordination.core.org.permissions import is_person
from leads.apis.scopes import LEAD_SCOPES
from leads.filters import LeadFilter
from leads.models import Lead
from leads.permissions import can_create_leads, can_view_lead
from leads.selectors import lead_list_for, lead_was_pooled
from leads.serializers import (
    BulkResultSerializer,
    LeadAssignSerializer,
    LeadBulkCreateSerializer,
    LeadCreateSerializer,
    LeadLoseSerializer,
    LeadSerializer,
    LeadWinSerializer,
)
from leads.services import (
    lead_bulk_create,
    lead_claim,
    lead_create,
    lead_lose,
    lead_qualify,
    lead_reassign_manual,
    lead_win,
)


def _require_may_create_leads(user) -> None:
    if not can_create_leads(user):
        raise PermissionDenied(_("You may not create leads."))


class LeadViewSet(ErrorStatusMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    """Leads the caller may see; a lead outside that is a 404. State changes are POSTs to named
    actions, each one service call with its own permission check."""

    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    required_scopes = LEAD_SCOPES
    cursor_ordering = ("-id",)

    def get_queryset(self):
        if building_schema(self):
            return Lead.objects.none()
        return lead_list_for(user=self.request.user).select_related("lost_reason")

    @extend_schema(
        request=LeadCreateSerializer,
        responses={201: LeadSerializer, 200: LeadSerializer, **ERRORS},
        description=gettext_lazy(
            "Create one lead. Idempotent on (source, external_id): sending a lead again returns "
            "the existing one with 200 and creates nothing."),
    )
    def create(self, request, *args, **kwargs):
        _require_may_create_leads(request.user)
        serializer = LeadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        source = data.pop("source")
        # Fields the serializer does not know go on to lead_clean, which refuses them by name,
        # as it does for records of a bulk call.
        unknown = {key: value for key, value in request.data.items()
                   if key not in serializer.fields}
        result = lead_create(source=source, data={**unknown, **data}, actor=request.user)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        if not can_view_lead(request.user, result.lead):
            # An existing lead the caller may not see: say which it is, show nothing of it.
            return Response({"id": result.lead.pk}, status=code)
        return Response(LeadSerializer(result.lead).data, status=code)

    @extend_schema(
        request=LeadBulkCreateSerializer,
        responses={200: BulkResultSerializer, **ERRORS},
        description=gettext_lazy(
            "Create up to 1000 leads of one source. Each record is created, found existing by "
            "its external ID, or fails alone with its errors."),
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        _require_may_create_leads(request.user)
        serializer = LeadBulkCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = lead_bulk_create(source=serializer.validated_data["source"],
                                  records=serializer.validated_data["leads"],
                                  actor=request.user)
        return Response({
            "created": [{"index": index, "id": lead.pk, "external_id": lead.external_id}
                        for index, lead in zip(result.created_indexes, result.created,
                                               strict=True)],
            "existing": [{"index": index, "id": lead.pk, "external_id": lead.external_id}
                         for index, lead in result.existing],
            "failed": result.failed,
        })

    @extend_schema(request=LeadAssignSerializer,
                   responses={200: LeadSerializer, **DETAIL_ERRORS})
    @action(detail=True, methods=["post"])
    def assign(self, request, *args, **kwargs):
        """A head gives the lead to another rep, saying why."""
        lead = self.get_object()
        serializer = LeadAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = lead_reassign_manual(lead=lead, actor=request.user,
                                          to_user=serializer.validated_data["to_user"],
                                          note=serializer.validated_data["note"])
        return Response(LeadSerializer(assignment.lead).data)

    @extend_schema(
        request=None, responses={200: LeadSerializer, 409: ErrorsSerializer, **DETAIL_ERRORS},
        description=gettext_lazy("Claim a lead from the lead pool. 409 when someone else "
                                 "claimed it first."))
    # A lost race (someone else claimed it first) answers 409; any other refusal 400.
    @action(detail=True, methods=["post"],
            error_statuses={"already_claimed": status.HTTP_409_CONFLICT})
    def claim(self, request, *args, **kwargs):
        if not is_person(request.user):
            raise PermissionDenied(_("Only a sales rep can claim a lead."))
        # A lead someone else just claimed has left the pool (and the caller's sight), and the
        # late claimer must hear "taken" (409), not "no such lead"; any other lead the caller
        # may not see is a 404, so that claim does not tell which leads exist.
        lead = get_object_or_404(Lead.objects.all(), pk=kwargs["pk"])
        if not (can_view_lead(request.user, lead) or lead_was_pooled(lead=lead)):
            raise Http404
        assignment = lead_claim(lead=lead, user=request.user)
        return Response(LeadSerializer(assignment.lead).data)

    @extend_schema(request=LeadWinSerializer,
                   responses={200: LeadSerializer, **DETAIL_ERRORS})
    @action(detail=True, methods=["post"])
    def win(self, request, *args, **kwargs):
        lead = self.get_object()
        serializer = LeadWinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = lead_win(lead=lead, actor=request.user, **serializer.validated_data)
        return Response(LeadSerializer(lead).data)

    @extend_schema(request=LeadLoseSerializer,
                   responses={200: LeadSerializer, **DETAIL_ERRORS})
    @action(detail=True, methods=["post"])
    def lose(self, request, *args, **kwargs):
        lead = self.get_object()
        serializer = LeadLoseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = lead_lose(lead=lead, actor=request.user, **serializer.validated_data)
        return Response(LeadSerializer(lead).data)

    @extend_schema(request=None, responses={200: LeadSerializer, **DETAIL_ERRORS})
    @action(detail=True, methods=["post"])
    def qualify(self, request, *args, **kwargs):
        lead = lead_qualify(lead=self.get_object(), actor=request.user)
        return Response(LeadSerializer(lead).data)

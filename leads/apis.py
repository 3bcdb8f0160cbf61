"""REST API of the leads app: sources, campaigns, leads and their actions, follow-ups, the lead
pool and assignment rules. Thin: each endpoint checks input, asks the selector for what the
caller may see and calls one service."""

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coordination.core.errors import ApplicationError, PermissionDenied
from coordination.core.org.permissions import is_person
from leads.filters import (
    AssignmentRuleFilter,
    CampaignFilter,
    FollowUpFilter,
    LeadFilter,
    PoolLeadFilter,
)
from leads.models import AssignmentRule, Campaign, FollowUp, Lead, RulePoolMember, Source
from leads.permissions import (
    can_change_catalog,
    can_change_rules,
    can_create_leads,
    can_log_follow_up,
    can_read_follow_up_notes,
    can_read_rules,
    can_view_lead,
)
from leads.selectors import follow_up_list_for, lead_list_for, lead_was_pooled
from leads.serializers import (
    AssignmentRuleSerializer,
    BulkResultSerializer,
    CampaignSerializer,
    ErrorsSerializer,
    FollowUpSerializer,
    LeadAssignSerializer,
    LeadBulkCreateSerializer,
    LeadCreateSerializer,
    LeadLoseSerializer,
    LeadSerializer,
    LeadWinSerializer,
    SourceSerializer,
)
from leads.services import (
    follow_up_create,
    lead_bulk_create,
    lead_claim,
    lead_create,
    lead_lose,
    lead_qualify,
    lead_reassign_manual,
    lead_win,
    rule_save,
)
from leads.services.rules import catalog_save

LEAD_SCOPES = {"read": "leads:read", "write": "leads:write"}
ERRORS = {400: ErrorsSerializer, 403: ErrorsSerializer}
DETAIL_ERRORS = {**ERRORS, 404: ErrorsSerializer}


def _fake(view) -> bool:
    """drf-spectacular builds the schema with a request that has no real user."""
    return getattr(view, "swagger_fake_view", False)


def _require_may_create_leads(user) -> None:
    if not can_create_leads(user):
        raise PermissionDenied(_("You may not create leads."))


def _require_may_change_catalog(user) -> None:
    if not can_change_catalog(user):
        raise PermissionDenied(_("Only an admin or marketing may change sources and campaigns."))


def _error_response(error: ApplicationError, status_code: int) -> Response:
    return Response({"errors": [{"field": error.field, "code": error.code,
                                 "message": error.message}]}, status=status_code)


# Sources and campaigns ---------------------------------------------------------------------------


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


# Leads -------------------------------------------------------------------------------------------


class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Leads the caller may see; a lead outside that is a 404. State changes are POSTs to named
    actions, each one service call with its own permission check."""

    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    required_scopes = LEAD_SCOPES
    cursor_ordering = ("-id",)

    def get_queryset(self):
        if _fake(self):
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
    @action(detail=True, methods=["post"])
    def claim(self, request, *args, **kwargs):
        if not is_person(request.user):
            raise PermissionDenied(_("Only a sales rep can claim a lead."))
        # A lead someone else just claimed has left the pool (and the caller's sight), and the
        # late claimer must hear "taken" (409), not "no such lead"; any other lead the caller
        # may not see is a 404, so that claim does not tell which leads exist.
        lead = get_object_or_404(Lead.objects.all(), pk=kwargs["pk"])
        if not (can_view_lead(request.user, lead) or lead_was_pooled(lead=lead)):
            raise Http404
        try:
            assignment = lead_claim(lead=lead, user=request.user)
        except ApplicationError as error:
            if error.code == "already_claimed":
                return _error_response(error, status.HTTP_409_CONFLICT)
            raise
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
        if _fake(self):
            return FollowUp.objects.none()
        return follow_up_list_for(user=self.request.user).filter(lead=self.lead())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not _fake(self):
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


class PoolViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Leads waiting in the lead pools the caller may claim from (heads see every pool)."""

    serializer_class = LeadSerializer
    filterset_class = PoolLeadFilter
    required_scopes = {"read": "leads:read"}
    cursor_ordering = ("-id",)

    def get_queryset(self):
        if _fake(self):
            return Lead.objects.none()
        return (lead_list_for(user=self.request.user).filter(pool__isnull=False)
                .select_related("lost_reason"))


# Assignment rules --------------------------------------------------------------------------------


class AssignmentRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            mixins.CreateModelMixin, mixins.UpdateModelMixin,
                            viewsets.GenericViewSet):
    """Assignment rules in the order they are tried. Read by admins, executives, sales heads
    and team leads; changed by admins. API keys may read them (leads:read), never change them."""

    serializer_class = AssignmentRuleSerializer
    filterset_class = AssignmentRuleFilter
    required_scopes = {"read": "leads:read"}
    # Few rows: the cursor's position is the priority, ties resolved by offset.
    cursor_ordering = ("priority", "id")

    def check_permissions(self, request):
        super().check_permissions(request)
        if not can_read_rules(request.user):
            raise PermissionDenied(_("Only admins, executives and sales managers may see the "
                                     "assignment rules."))
        if request.method not in ("GET", "HEAD", "OPTIONS") and not can_change_rules(request.user):
            raise PermissionDenied(_("Only an admin may change the assignment rules."))

    def get_queryset(self):
        return AssignmentRule.objects.prefetch_related(
            Prefetch("members", queryset=RulePoolMember.objects.select_related("user")
                     .order_by("id")))

    def perform_create(self, serializer):
        rule = rule_save(rule=AssignmentRule(), data=dict(serializer.validated_data),
                          actor=self.request.user)
        serializer.instance = self.get_queryset().get(pk=rule.pk)

    def perform_update(self, serializer):
        rule = rule_save(rule=serializer.instance, data=dict(serializer.validated_data),
                          actor=self.request.user)
        serializer.instance = self.get_queryset().get(pk=rule.pk)

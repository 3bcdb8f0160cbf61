"""REST API of lead quality: disputes and their rulings, and quality inspection of follow-ups.

Thin, like leads/apis.py: each endpoint checks input, reads through a visibility-limited
queryset and calls one service. A capability (rule, correct, score) is checked before the
dispute or inspection is looked up, so that whoever lacks it hears 403 for any id.
Integrations read with `quality:read`; they never rule or score: those need a person.
"""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from coordination.core.api.filters import IdFilter, StrictBooleanFilter, StrictFilterSet
from coordination.core.errors import ApplicationError, PermissionDenied
from coordination.core.org import permissions as org
from coordination.core.org.models import DepartmentKind
from leads.apis import DETAIL_ERRORS, ERRORS
from leads.models import (
    Dispute,
    DisputeGround,
    DisputeSide,
    DisputeStatus,
    Inspection,
    InspectionStatus,
    Lead,
    Ruling,
)
from leads.permissions import (
    DisputeAccess,
    DisputeReadRule,
    can_correct_ruling,
    can_inspect,
    can_read_notes_in_lists,
    can_rule,
)
from leads.selectors import dispute_list_for, inspection_list_for, lead_list_for
from leads.serializers_quality import (
    AttachmentUploadSerializer,
    DisputeAttachmentSerializer,
    DisputeCreateSerializer,
    DisputeSerializer,
    InspectionScoreSerializer,
    InspectionSerializer,
    RulingInputSerializer,
)
from leads.services import (
    dispute_attachment_add,
    dispute_open,
    dispute_rule,
    inspection_score,
    ruling_correct,
)

# Integrations read quality (quality:read); "quality:write" is registered for no key: opening a
# dispute takes a person of one side, and ruling or scoring a person of the quality department.
QUALITY_SCOPES = {"read": "quality:read", "write": "quality:write"}


def _fake(view) -> bool:
    """drf-spectacular builds the schema with a request that has no real user."""
    return getattr(view, "swagger_fake_view", False)


def _dispute_rule(request) -> DisputeReadRule:
    """Who may read which dispute and what of it, for the caller: the rule the pages and the
    admin follow too. Asked by the queryset, the filters and the serializers of one request:
    built once."""
    if not hasattr(request, "_dispute_rule"):
        request._dispute_rule = DisputeReadRule(request.user)
    return request._dispute_rule


def _blind(request) -> bool:
    """Blind review: the caller reads for the quality department (rules or corrects rulings)
    and the quality settings hide the disputing side."""
    return _dispute_rule(request).blind


# Filters -----------------------------------------------------------------------------------------


class DisputeFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=DisputeStatus.choices)
    side = django_filters.ChoiceFilter(
        choices=DisputeSide.choices, method="filter_side",
        label=gettext_lazy("opened by side (refused under blind review)"))
    ground = django_filters.ChoiceFilter(choices=DisputeGround.choices)
    lead = IdFilter(field_name="lead_id", label=gettext_lazy("lead ID"))
    overdue = StrictBooleanFilter(
        method="filter_overdue", label=gettext_lazy("open and past the ruling deadline"))

    class Meta:
        model = Dispute
        fields = ["status", "side", "ground", "lead"]

    def filter_side(self, queryset, name, value):
        # Filtering on what blind review hides would reveal it.
        if _blind(self.request):
            raise ApplicationError(_("Under blind review disputes cannot be filtered by side."),
                                   code="blind_review", field="side")
        return queryset.filter(side=value)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status=DisputeStatus.OPEN, due_at__lte=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class InspectionFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=InspectionStatus.choices)
    rep = IdFilter(field_name="follow_up__author_id",
                                      label=gettext_lazy("rep ID"))
    drawn_from = django_filters.DateFilter(field_name="drawn_on", lookup_expr="gte",
                                           label=gettext_lazy("drawn on or after"))
    drawn_until = django_filters.DateFilter(field_name="drawn_on", lookup_expr="lte",
                                            label=gettext_lazy("drawn on or before"))
    passed = StrictBooleanFilter()

    class Meta:
        model = Inspection
        fields = ["status", "rep", "passed"]


# Disputes ----------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(description=gettext_lazy(
        "Disputes the caller may see. Under blind review the quality department (who rule and "
        "who correct rulings) sees neither the side, the opener, nor who wrote the linked "
        "follow-ups.")),
    retrieve=extend_schema(responses={200: DisputeSerializer, **DETAIL_ERRORS}),
)
class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Lead-quality disputes (线索质量申诉). Opened by sales or marketing, ruled only by an
    adjudicator of the quality department; rulings are final and corrected only by a quality
    head, as a new ruling. There is no update: every change is a named action."""

    serializer_class = DisputeSerializer
    filterset_class = DisputeFilter
    required_scopes = QUALITY_SCOPES
    cursor_ordering = ("-id",)

    def get_queryset(self):
        if _fake(self):
            return Dispute.objects.none()
        return dispute_list_for(user=self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not _fake(self):
            context.update(now=timezone.now(), dispute_access=self._access)
        return context

    def _access(self, dispute: Dispute) -> DisputeAccess:
        """What the caller may read of a dispute of get_queryset (which annotates whether
        they may see its lead)."""
        return _dispute_rule(self.request).access(dispute, sees_lead=dispute.reader_sees_lead)

    def _detail(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        # Read again after the service: the new state, its rulings, through the same eyes.
        dispute = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(dispute).data, status=status_code)

    @extend_schema(
        request=DisputeCreateSerializer,
        responses={201: DisputeSerializer, **ERRORS},
        description=gettext_lazy(
            "Open a dispute on a lead's quality, with grounds and evidence (a description, "
            "linked follow-ups, or both). One open dispute per lead, within the dispute caps; "
            "a refusal names the field `lead`."))
    def create(self, request, *args, **kwargs):
        user = request.user
        # Integrations are refused by the service (a dispute is a person's claim), with 403.
        leads = Lead.objects.all() if org.is_integration(user) else lead_list_for(user=user)
        serializer = DisputeCreateSerializer(data=request.data, leads=leads)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        dispute = dispute_open(lead=data["lead"], actor=user, ground=data["ground"],
                               evidence=data["evidence"], follow_ups=data["follow_ups"])
        return self._detail(dispute.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=RulingInputSerializer,
        responses={200: DisputeSerializer, **DETAIL_ERRORS},
        description=gettext_lazy(
            "Rule an open dispute: valid, or invalid with a reason. Adjudicators of the quality "
            "department only; the ruling is final."))
    @action(detail=True, methods=["post"])
    def rule(self, request, *args, **kwargs):
        if not can_rule(request.user):
            raise PermissionDenied(_("Only an adjudicator of the quality department may rule."))
        dispute = self.get_object()
        serializer = RulingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dispute_rule(dispute=dispute, actor=request.user, **serializer.validated_data)
        return self._detail(dispute.pk)

    @extend_schema(
        request=RulingInputSerializer,
        responses={200: DisputeSerializer, **DETAIL_ERRORS},
        description=gettext_lazy(
            "Correct the ruling in force: a new ruling that supersedes it, with a note saying "
            "why. Heads of the quality department only."))
    @action(detail=True, methods=["post"])
    def correct(self, request, *args, **kwargs):
        if not can_correct_ruling(request.user):
            raise PermissionDenied(
                _("Only a head of the quality department may correct a ruling."))
        dispute = self.get_object()
        serializer = RulingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        current = (Ruling.objects.filter(dispute=dispute, superseded_by__isnull=True)
                   .order_by("-id").first())
        if current is None:
            raise ApplicationError(_("This dispute is not ruled yet."), code="not_ruled",
                                   field="dispute")
        ruling_correct(ruling=current, actor=request.user, **serializer.validated_data)
        return self._detail(dispute.pk)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: DisputeAttachmentSerializer, **DETAIL_ERRORS},
        description=gettext_lazy(
            "Add an evidence file to an open dispute: an image, a PDF or an audio recording "
            "(checked by its content, not only its name), at most 5 MB, at most 10 files per "
            "dispute; a refused file is named by the field `files`. Only who opened the "
            "dispute or the lead's owner."))
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request, *args, **kwargs):
        dispute = self.get_object()
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The evidence service decides who may add a file, until when, and which files: the
        # same rules as the lead page's dispute form.
        upload = serializer.validated_data["file"]
        attachment = dispute_attachment_add(dispute=dispute, file=upload, actor=request.user)
        context = {**self.get_serializer_context(), "access": self._access(dispute)}
        return Response(DisputeAttachmentSerializer(attachment, context=context).data,
                        status=status.HTTP_201_CREATED)


# Inspections -------------------------------------------------------------------------------------


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
        if _fake(self):
            return Inspection.objects.none()
        return inspection_list_for(user=self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not _fake(self):
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

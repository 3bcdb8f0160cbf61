"""API of lead-quality disputes and their rulings.

Thin, like the other leads APIs: each endpoint checks input, reads through a visibility-limited
queryset and calls one service. A capability (rule, correct) is checked before the dispute is
looked up, so that whoever lacks it hears 403 for any id. Integrations read with
`quality:read`; they never rule: that needs a person.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from coordination.core.api.schema import DETAIL_ERRORS, ERRORS, building_schema
from coordination.core.errors import ApplicationError, PermissionDenied
from coordination.core.org import permissions as org
from leads.apis.scopes import QUALITY_SCOPES
from leads.filters import DisputeFilter
from leads.models import Dispute, Lead
from leads.permissions import DisputeAccess, can_correct_ruling, can_rule, dispute_read_rule
from leads.selectors import dispute_list_for, lead_list_for, ruling_in_force_of
from leads.serializers import (
    AttachmentUploadSerializer,
    DisputeAttachmentSerializer,
    DisputeCreateSerializer,
    DisputeSerializer,
    RulingInputSerializer,
)
from leads.services import dispute_attachment_add, dispute_open, dispute_rule, ruling_correct


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
        if building_schema(self):
            return Dispute.objects.none()
        return dispute_list_for(user=self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not building_schema(self):
            context.update(now=timezone.now(), dispute_access=self._access)
        return context

    def _access(self, dispute: Dispute) -> DisputeAccess:
        """What the caller may read of a dispute of get_queryset (which annotates whether
        they may see its lead)."""
        return dispute_read_rule(self.request).access(dispute, sees_lead=dispute.reader_sees_lead)

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
        current = ruling_in_force_of(dispute=dispute)
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

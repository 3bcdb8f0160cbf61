"""Serializers of lead-quality disputes and their rulings. What a caller may not see of a dispute
is nulled here, as `DisputeReadRule.access` decides (the view puts it in the context)."""

import os

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from leads.models import (
    ContactChannel,
    Dispute,
    DisputeAttachment,
    DisputeGround,
    DisputeSide,
    FollowUp,
    Lead,
    Ruling,
    Verdict,
)
from leads.services import claim_of


def _inline_enum(choices, *, nullable: bool = False, blank: bool = False) -> dict:
    schema = {"type": "string",
              "enum": [*choices.values, *([""] if blank else []), *([None] if nullable else [])]}
    if nullable:
        schema["nullable"] = True
    return schema


@extend_schema_field(_inline_enum(DisputeGround, blank=True))
class ReasonField(serializers.ChoiceField):
    """A ruling's reason: the grounds' choices under their own name in the schema (the same
    choice set under two names would make its enum ambiguous)."""


class RulingSerializer(serializers.ModelSerializer):
    reason = ReasonField(choices=DisputeGround.choices, allow_blank=True, read_only=True,
                         help_text=_("Why the lead is invalid; empty when valid."))
    ruled_by_name = serializers.CharField(source="ruled_by.full_name", read_only=True)
    # Annotated by the selector (`RulingQuerySet.with_in_force`).
    is_current = serializers.BooleanField(
        source="in_force", read_only=True,
        help_text=_("The ruling in force: no correction supersedes it."))

    class Meta:
        model = Ruling
        fields = ["id", "verdict", "reason", "note", "ruled_by", "ruled_by_name", "created_at",
                  "supersedes", "is_current"]
        read_only_fields = fields


class DisputeFollowUpSerializer(serializers.ModelSerializer):
    """A follow-up linked to a dispute as evidence, read with the dispute's access (the
    context's `access`). Under blind review its author is withheld, as on the ruling page ("the
    rep"): the rep may be the one who opened the dispute."""

    author = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("Null under blind review."))
    author_name = serializers.CharField(source="author.full_name", read_only=True,
                                        allow_null=True, help_text=_("Null under blind review."))
    channel = serializers.ChoiceField(choices=ContactChannel.choices, read_only=True)
    notes = serializers.CharField(
        read_only=True, allow_null=True,
        help_text=_("Null when the caller may not read follow-up notes: marketing, API keys "
                    "without leads:read, and who no longer sees the lead."))

    class Meta:
        model = FollowUp
        fields = ["id", "created_at", "author", "author_name", "channel", "outcome", "notes"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        access = self.context["access"]
        if not access.notes:
            data["notes"] = None
        if access.blind:
            data["author"] = data["author_name"] = None
        return data


class DisputeAttachmentSerializer(serializers.ModelSerializer):
    """An evidence file, read with the dispute's access (the context's `access`). Files are not
    public media: `url` is the page that serves them to those who may read the dispute. Under
    blind review the uploader and the file's own name (which may tell the side) are withheld."""

    name = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    uploaded_by = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True,
        help_text=_("Null under blind review for the quality department: it would name the "
                    "side."))

    class Meta:
        model = DisputeAttachment
        fields = ["id", "name", "url", "uploaded_by", "created_at"]
        read_only_fields = fields

    def get_name(self, obj) -> str:
        name = os.path.basename(obj.file.name)
        if self.context["access"].blind:
            return f"evidence-{obj.pk}{os.path.splitext(name)[1].lower()}"
        return name

    def get_url(self, obj) -> str:
        url = reverse("leads:dispute_file", args=[obj.dispute_id, obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context["access"].blind:
            data["uploaded_by"] = None
        return data


class DisputeSerializer(serializers.ModelSerializer):
    """A dispute with its evidence and every ruling, newest first; the ruling in force (that
    no correction supersedes) is marked current. What the caller reads of it is what
    `DisputeReadRule.access` allows, the context's `dispute_access(dispute)`: under blind review
    (the caller reads for the quality department and the quality settings ask for it) the
    side, the claim, the opener, the authors of the follow-ups and the uploaders of the files
    are null; the lead's phone and the follow-up notes are null for who may not read them."""

    lead_name = serializers.CharField(source="lead.name", read_only=True)
    lead_phone = serializers.CharField(
        source="lead.phone", read_only=True, allow_null=True,
        help_text=_("Null for who may not see the lead's contact: API keys without "
                    "leads:read, and who opened the dispute but no longer sees the lead."))
    source_name = serializers.CharField(source="lead.source.name", read_only=True)
    side = serializers.ChoiceField(
        choices=DisputeSide.choices, read_only=True, allow_null=True,
        help_text=_("Who opened it: sales, marketing, or the daily sample. Null under blind "
                    "review."))
    claim = serializers.SerializerMethodField(
        help_text=_("What the dispute asserts about the lead (sales: invalid, marketing: "
                    "valid; the daily sample asserts nothing). Null under blind review."))
    opened_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    opened_by_name = serializers.CharField(source="opened_by.full_name", read_only=True,
                                           allow_null=True, default=None)
    is_overdue = serializers.SerializerMethodField(
        help_text=_("Open and past its ruling deadline."))
    verdict = serializers.ChoiceField(
        choices=Verdict.choices, read_only=True, allow_null=True, default=None,
        help_text=_("The verdict in force (of the current ruling); null while open."))
    verdict_reason = serializers.CharField(read_only=True, allow_null=True, default=None)
    follow_ups = DisputeFollowUpSerializer(many=True, read_only=True)
    attachments = DisputeAttachmentSerializer(many=True, read_only=True)
    rulings = RulingSerializer(many=True, read_only=True)
    # A lead of the daily sample was disputed by nobody, on no grounds: "" then.
    ground = serializers.ChoiceField(
        choices=DisputeGround.choices, read_only=True, allow_blank=True,
        help_text=_("Empty for a lead of the daily sample."))

    class Meta:
        model = Dispute
        fields = ["id", "lead", "lead_name", "lead_phone", "source_name", "side", "claim",
                  "opened_by", "opened_by_name", "ground", "evidence", "status", "due_at",
                  "is_overdue", "escalated_at", "ruled_at", "verdict", "verdict_reason",
                  "follow_ups", "attachments", "rulings", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(_inline_enum(Verdict, nullable=True))
    def get_claim(self, obj) -> str | None:
        claim = claim_of(obj.side)
        return str(claim) if claim else None

    def get_is_overdue(self, obj) -> bool:
        return obj.status == "open" and obj.due_at <= self.context["now"]

    def to_representation(self, instance):
        access = self.context["dispute_access"](instance)
        if not access.may_read:
            # The queryset holds only what the caller may read: this is a bug, not a 404.
            raise RuntimeError(f"Dispute #{instance.pk} is not readable by this caller.")
        # The nested follow-ups and files of this dispute read it with the same access. The
        # context is shared by every row of a list and rows are serialised one after the
        # other: each row sets its own before its nested fields read it.
        self.context["access"] = access
        data = super().to_representation(instance)
        if access.blind:
            for field in ("side", "claim", "opened_by", "opened_by_name"):
                data[field] = None
        if not access.contact:
            data["lead_phone"] = None
        return data


class DisputeCreateSerializer(serializers.Serializer):
    lead = serializers.PrimaryKeyRelatedField(
        queryset=Lead.objects.none(), help_text=_("A lead the caller may see."))
    ground = serializers.ChoiceField(choices=DisputeGround.choices)
    evidence = serializers.CharField(required=False, allow_blank=True, default="",
                                     max_length=5000)
    follow_ups = serializers.PrimaryKeyRelatedField(
        queryset=FollowUp.objects.all(), many=True, required=False, default=list,
        help_text=_("Follow-ups of the lead that show the grounds."))

    def __init__(self, *args, leads=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Leads the caller may not see are "not found" here, as they are everywhere else.
        if leads is not None:
            self.fields["lead"].queryset = leads


class RulingInputSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    reason = ReasonField(
        choices=DisputeGround.choices, required=False, allow_blank=True, default="",
        help_text=_("Required when the lead is ruled invalid; empty when valid."))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)

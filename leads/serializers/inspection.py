"""Serializers of the quality inspection of follow-ups. Who scored an inspection and the
follow-up's notes are nulled here from flags the view puts in the context."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from leads.models import (
    ContactChannel,
    Criterion,
    FollowUp,
    Inspection,
    InspectionAnswer,
    Outcome,
)


class InspectionFollowUpSerializer(serializers.ModelSerializer):
    """The inspected follow-up, with what the inspector needs to judge it."""

    lead_name = serializers.CharField(source="lead.name", read_only=True)
    channel = serializers.ChoiceField(choices=ContactChannel.choices, read_only=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, read_only=True)
    notes = serializers.CharField(
        read_only=True, allow_null=True,
        help_text=_("Null when the caller may not read follow-up notes."))

    class Meta:
        model = FollowUp
        fields = ["id", "created_at", "lead", "lead_name", "channel", "outcome", "notes",
                  "next_step", "next_step_at"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_notes", False):
            data["notes"] = None
        return data


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "position", "label", "weight", "answer_type", "min_score", "max_score",
                  "choices"]
        read_only_fields = fields


class InspectionAnswerSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="criterion.label", read_only=True)
    value = serializers.JSONField(read_only=True)

    class Meta:
        model = InspectionAnswer
        fields = ["criterion", "label", "value", "points"]
        read_only_fields = fields


class InspectionSerializer(serializers.ModelSerializer):
    """An inspection, with the scorecard's criteria (what to answer) and the answers given.
    Who scored it is shown to the quality department, executives and admins only."""

    rep = serializers.PrimaryKeyRelatedField(source="follow_up.author", read_only=True)
    rep_name = serializers.CharField(source="follow_up.author.full_name", read_only=True)
    follow_up = InspectionFollowUpSerializer(read_only=True)
    inspector = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True,
        help_text=_("Null for callers outside the quality department."))
    criteria = CriterionSerializer(source="scorecard.criteria", many=True, read_only=True)
    answers = InspectionAnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "round", "drawn_on", "status", "scorecard", "rep", "rep_name",
                  "follow_up", "score", "passed", "findings", "not_genuine", "inspector",
                  "scored_at", "criteria", "answers"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_inspector", False):
            data["inspector"] = None
        return data


class InspectionScoreSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text=_('{criterion id: answer}: a whole number in the criterion\'s range, true or '
                    'false, or the label of a choice.'))
    findings = serializers.CharField(required=False, allow_blank=True, default="",
                                     max_length=5000)
    not_genuine = serializers.BooleanField(
        required=False, default=False,
        help_text=_("No real contact behind this follow-up: the lead counts as not "
                    "contacted."))

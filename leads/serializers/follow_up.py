"""Serializers of follow-ups."""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from leads.models import ContactChannel, FollowUp, Outcome


class _DateTimeAsSentField(serializers.DateTimeField):
    """An ISO 8601 date-time read as the caller sent it. DRF would convert an aware one to the
    site's time zone first, hiding from the service an offset no time zone has (which it
    refuses); and a naive one at the calendar's edge overflows in DRF's check of the zone."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value)
            except ValueError:  # well formed, but no such date: DRF's message below
                parsed = None
            if parsed is not None and timezone.is_aware(parsed):
                return parsed
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("overflow")


class FollowUpSerializer(serializers.ModelSerializer):
    """A follow-up as read, and the input for logging one (one component in the schema, so
    that the contact channels are one named enum)."""

    author_name = serializers.CharField(source="author.full_name", read_only=True)
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    # Notes, next step and its date are required, but by the service (follow_up_create), which
    # also knows the notes' minimum length and the horizon: one rule, one message.
    notes = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, allow_null=True, default="",
        help_text=_("What was said, in at least the minimum length the admin sets (10 "
                    "characters by default, spaces not counted). Null when the caller may not "
                    "read follow-up notes (marketing)."))
    next_step = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                      default="")
    next_step_at = _DateTimeAsSentField(
        required=False, allow_null=True, default=None,
        help_text=_("Required: in the future and within the horizon the admin sets (30 days by "
                    "default)."))

    class Meta:
        model = FollowUp
        fields = ["id", "created_at", "lead", "author", "author_name", "channel", "outcome",
                  "notes", "next_step", "next_step_at"]
        read_only_fields = ["id", "created_at", "lead", "author"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_notes", False):
            data["notes"] = None
        return data

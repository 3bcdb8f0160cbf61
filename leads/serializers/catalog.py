"""Serializers of sources and campaigns."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from leads.models import Campaign, Source


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "name", "channel", "is_active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class CampaignSerializer(serializers.ModelSerializer):
    source_name = serializers.CharField(source="source.name", read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "source", "source_name", "name", "starts_on", "ends_on", "spend",
                  "currency", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        # The model's constraints are checked in validate() so that each error names its field.
        validators: list = []

    def validate(self, attrs):
        instance = self.instance
        source = attrs.get("source", getattr(instance, "source", None))
        name = attrs.get("name", getattr(instance, "name", None))
        starts_on = attrs.get("starts_on", getattr(instance, "starts_on", None))
        ends_on = attrs.get("ends_on", getattr(instance, "ends_on", None))
        # A campaign's source cannot change: catalog_save refuses it, naming "source".
        if starts_on and ends_on and ends_on < starts_on:
            raise serializers.ValidationError(
                {"ends_on": _("A campaign must not end before it starts.")}, code="invalid")
        if source is not None and name:
            taken = Campaign.objects.filter(source=source, name=name)
            if instance is not None:
                taken = taken.exclude(pk=instance.pk)
            if taken.exists():
                raise serializers.ValidationError(
                    {"name": _("This source already has a campaign of that name.")},
                    code="unique")
        return attrs

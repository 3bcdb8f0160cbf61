"""API of outbound webhooks: admins (superusers) and integrations holding `webhooks:manage` list,
create and deactivate subscriptions. The signing secret is in the creation response only.

An integration sees and deactivates only the subscriptions made with its own key, and may
subscribe only to events whose scope its key holds; admins see them all."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coordination.core.apikeys.models import ApiKey
from coordination.core.errors import PermissionDenied
from coordination.core.org.permissions import is_integration, is_superuser
from coordination.core.webhooks.models import WebhookSubscription
from coordination.core.webhooks.services import (
    webhook_subscription_create,
    webhook_subscription_deactivate,
)

# Registered where the API that needs it lives; the app's ready() would make it independent of
# the URLconf being loaded (see the report of this change).


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.CharField(max_length=64), allow_empty=False,
        help_text=gettext_lazy("Names of the events delivered, e.g. dispute.ruled."))
    secret = serializers.CharField(
        source="masked_secret", read_only=True,
        help_text=gettext_lazy("Masked: the secret is shown once, when the subscription is "
                               "created."))

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "is_active", "secret", "api_key", "created_by",
                  "created_at", "updated_at"]
        read_only_fields = ["is_active", "api_key", "created_by", "created_at", "updated_at"]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy("Signs every delivery: X-Tandem-Signature is sha256= and the hex "
                               "HMAC-SHA256 of the raw body with this secret. Shown only now."))


@extend_schema_view(
    create=extend_schema(
        request=WebhookSubscriptionSerializer,
        responses={201: WebhookSubscriptionCreatedSerializer},
        description=gettext_lazy(
            "Subscribe a URL to events. Each event is POSTed as JSON {id, event, created_at, "
            "data} with the headers X-Tandem-Event, X-Tandem-Delivery and X-Tandem-Signature; "
            "a delivery without a 2xx answer is retried with backoff. The URL must reach a "
            "server on the internet: hosts that are or resolve to loopback, private, link-local "
            "or other internal addresses are refused. The response carries the "
            "signing secret, which is never shown again. With an API key, every event needs "
            "its scope on the key (dispute.opened and dispute.ruled need quality:read), and "
            "deliveries stop while the key is revoked, expired or lacks it.")),
)
class WebhookSubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                 mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Webhook subscriptions, for admins and integrations with `webhooks:manage`."""

    serializer_class = WebhookSubscriptionSerializer
    required_scopes = {"read": "webhooks:manage", "write": "webhooks:manage"}
    filterset_fields = ["is_active"]
    cursor_ordering = ("-id",)

    def check_permissions(self, request):
        super().check_permissions(request)
        # An integration got here with its scope (checked above); a person must be an admin.
        if not (is_integration(request.user) or is_superuser(request.user)):
            raise PermissionDenied(_("Only an admin may manage webhooks."))

    def get_queryset(self):
        # A key's own subscriptions only: another integration's are not even found (404).
        if is_integration(self.request.user) and isinstance(self.request.auth, ApiKey):
            return WebhookSubscription.objects.filter(api_key=self.request.auth)
        if is_superuser(self.request.user):
            return WebhookSubscription.objects.all()
        return WebhookSubscription.objects.none()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription, secret = webhook_subscription_create(
            url=serializer.validated_data["url"], events=serializer.validated_data["events"],
            actor=request.user)
        subscription.secret = secret
        return Response(WebhookSubscriptionCreatedSerializer(subscription).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: WebhookSubscriptionSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        """Stop deliveries to this subscription; its pending deliveries are given up."""
        subscription = webhook_subscription_deactivate(subscription=self.get_object(),
                                                       actor=request.user)
        return Response(WebhookSubscriptionSerializer(subscription).data)

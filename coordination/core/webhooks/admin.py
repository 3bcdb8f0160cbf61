from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from coordination.core.audit.admin import AuditedAdminMixin
from coordination.core.errors import ApplicationError
from coordination.core.forms import application_error_to_validation_error
from coordination.core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from coordination.core.webhooks.services import (
    webhook_event_choices,
    webhook_subscription_activate,
    webhook_subscription_create,
    webhook_subscription_deactivate,
    webhook_subscription_update,
    webhook_target_check,
)


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(label=_("events"), choices=webhook_event_choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookSubscription
        fields = ["url", "events", "is_active"]

    def clean_url(self):
        # The service checks it again when saving; here the refusal becomes an error on the
        # field, since the admin turns none raised while saving into one.
        url = self.cleaned_data["url"]
        try:
            webhook_target_check(url)
        except ApplicationError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Subscriptions are written through the webhook services; the secret is shown once, in
    the message after creation."""

    form = WebhookSubscriptionForm
    list_display = ["url", "event_list", "is_active", "secret_hint", "api_key", "created_by",
                    "created_at"]
    list_filter = ["is_active", ("api_key", admin.EmptyFieldListFilter)]
    search_fields = ["url", "api_key__name", "api_key__prefix"]
    list_select_related = ["created_by", "api_key"]
    readonly_fields = ["secret_hint", "api_key", "created_by", "created_at", "updated_at"]
    actions = ["deactivate_selected"]
    audit_on_save = False  # the services record it

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["url", "events"]
        return ["url", "events", "is_active", *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        # Deliveries keep their subscription: deactivate it instead.
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if not change:
                subscription, secret = webhook_subscription_create(
                    url=data["url"], events=data["events"], actor=request.user)
                obj.pk = subscription.pk
                messages.warning(request, format_html(
                    _("The signing secret of “{url}” is <code>{secret}</code>. Copy it now: it "
                      "will not be shown again."), url=subscription.url, secret=secret))
                return
            subscription = webhook_subscription_update(
                subscription=obj, url=data["url"], events=data["events"], actor=request.user)
            if "is_active" in form.changed_data:
                change_active = (webhook_subscription_activate if data["is_active"]
                                 else webhook_subscription_deactivate)
                change_active(subscription=subscription, actor=request.user)
        except ApplicationError as error:
            raise application_error_to_validation_error(error) from None

    def save_related(self, request, form, formsets, change):
        return None

    @admin.display(description=_("events"))
    def event_list(self, obj):
        return ", ".join(obj.events)

    @admin.display(description=_("signing secret"))
    def secret_hint(self, obj):
        return obj.masked_secret

    @admin.action(description=_("Deactivate the selected subscriptions"))
    def deactivate_selected(self, request, queryset):
        count = 0
        for subscription in queryset.filter(is_active=True):
            webhook_subscription_deactivate(subscription=subscription, actor=request.user)
            count += 1
        self.message_user(request, ngettext("%(count)d subscription deactivated.",
                                            "%(count)d subscriptions deactivated.", count)
                          % {"count": count}, messages.SUCCESS)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["number", "started_at", "finished_at", "response_code", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The record of every delivery and its attempts: read only."""

    list_display = ["id", "event_name", "subscription", "status", "attempts",
                    "last_response_code", "next_attempt_at", "delivered_at", "created_at"]
    list_filter = ["status", "subscription"]
    search_fields = ["event__name", "subscription__url"]
    list_select_related = ["event", "subscription"]
    readonly_fields = ["subscription", "event", "event_name", "status", "attempts",
                       "next_attempt_at", "last_response_code", "last_error", "delivered_at",
                       "created_at"]
    fields = readonly_fields
    inlines = [WebhookAttemptInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("event"), ordering="event__name")
    def event_name(self, obj):
        return obj.event.name

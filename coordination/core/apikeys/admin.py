from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from coordination.core.apikeys.models import ApiKey
from coordination.core.apikeys.scopes import scope_choices
from coordination.core.apikeys.services import api_key_create, api_key_revoke
from coordination.core.audit.admin import AuditedAdminMixin
from coordination.core.errors import ApplicationError
from coordination.core.forms import application_error_to_validation_error


class ApiKeyCreateForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=_("scopes"), choices=scope_choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "expires_at"]

    def clean_expires_at(self):
        from django.utils import timezone

        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError(_("The expiry must be in the future."))
        return expires_at


@admin.register(ApiKey)
class ApiKeyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "prefix", "scope_list", "created_at", "last_used_at", "expires_at",
                    "status"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    readonly_fields = ["name", "prefix", "scopes", "created_at", "created_by", "expires_at",
                       "revoked_at", "last_used_at"]
    actions = ["revoke_selected"]
    audit_on_save = False  # the services record it

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        return ["name", "scopes", "expires_at"] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        # Keys are not edited: a key with other scopes is a new key.
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            api_key, raw = api_key_create(
                name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
                expires_at=form.cleaned_data.get("expires_at"), actor=request.user,
            )
        except ApplicationError as error:
            raise application_error_to_validation_error(error) from None
        obj.pk = api_key.pk
        obj.prefix = api_key.prefix
        messages.warning(
            request,
            format_html(
                _("The key for “{name}” is <code>{key}</code>. Copy it now: it is stored only "
                  "as a hash and will not be shown again."),
                name=api_key.name, key=raw,
            ),
        )

    def save_related(self, request, form, formsets, change):
        # Nothing related: scopes are a list on the key itself.
        return None

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    @admin.display(description=_("status"))
    def status(self, obj):
        if obj.revoked_at:
            return _("revoked")
        return _("active") if obj.is_usable() else _("expired")

    @admin.action(description=_("Revoke the selected keys"))
    def revoke_selected(self, request, queryset):
        count = 0
        for api_key in queryset.filter(revoked_at=None):
            api_key_revoke(api_key=api_key, actor=request.user)
            count += 1
        self.message_user(request, ngettext("%(count)d key revoked.", "%(count)d keys revoked.",
                                            count) % {"count": count}, messages.SUCCESS)

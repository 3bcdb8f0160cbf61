"""Sources, campaigns and lost reasons: the lists a lead's origin and outcome are chosen from.

Sources and campaigns are saved through `catalog_save`, as in the API: the same rules (a
campaign stays with its source), the same audit verbs (`source.changed`, `campaign.changed`).
"""

from django import forms
from django.contrib import admin

from coordination.core.audit.admin import AuditedAdminMixin
from coordination.core.errors import ApplicationError
from coordination.core.forms import add_application_error
from leads.admin.base import adopt, form_data
from leads.models import Campaign, LostReason, Source
from leads.services.rules import catalog_save, catalog_validate


class CatalogForm(forms.ModelForm):
    """Shows the catalogue's rules (`catalog_validate`) on their fields before anything is
    saved."""

    def clean(self):
        cleaned = super().clean()
        try:
            # self.instance is still the stored row here: the form's values reach it later.
            catalog_validate(instance=self.instance, data=form_data(self))
        except ApplicationError as error:
            add_application_error(self, error)
        return cleaned


class CatalogAdminMixin(AuditedAdminMixin):
    """Saves through `catalog_save`, which records the audit event."""

    form = CatalogForm

    def save_model(self, request, obj, form, change):
        model = type(obj)
        stored = model.objects.get(pk=obj.pk) if change else model()
        adopt(obj, catalog_save(instance=stored, data=form_data(form), actor=request.user))


@admin.register(Source)
class SourceAdmin(CatalogAdminMixin, admin.ModelAdmin):
    list_display = ["name", "channel", "is_active"]
    list_filter = ["channel", "is_active"]
    search_fields = ["name"]


@admin.register(Campaign)
class CampaignAdmin(CatalogAdminMixin, admin.ModelAdmin):
    list_display = ["name", "source", "starts_on", "ends_on", "spend", "currency"]
    list_filter = ["source", "currency"]
    search_fields = ["name", "source__name"]
    date_hierarchy = "starts_on"
    list_select_related = ["source"]
    autocomplete_fields = ["source"]


@admin.register(LostReason)
class LostReasonAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["label", "code", "recycle"]
    list_filter = ["recycle"]
    search_fields = ["label", "code"]

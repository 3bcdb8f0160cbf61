"""Leads, their assignment and follow-up history, and the company's lead settings.

Leads added here go through intake (`lead_create`) like every other door, and contact details
are corrected through `lead_update_contact`; owners and statuses change only through the
services (manual reassignment, follow-ups), never by editing here. Files of leads are imported
on the import page, which the lead list links to.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from coordination.core.audit.admin import AuditedAdminMixin
from coordination.core.errors import ApplicationError
from coordination.core.forms import add_application_error
from coordination.core.org.admin import PermissionAdminMixin
from leads.admin.base import ReadOnlyAdminMixin, adopt, visible_leads
from leads.models import Assignment, FollowUp, Lead, LeadSettings
from leads.permissions import can_create_leads, can_read_follow_up_notes
from leads.services.intake import lead_clean, lead_create, lead_update_contact

# Settings --------------------------------------------------------------------------------------


@admin.register(LeadSettings)
class LeadSettingsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """One row for the whole company: it can be changed, not added twice or deleted."""

    list_display = ["__str__", "duplicate_window_days", "default_pool",
                    "follow_up_notes_min_length", "next_step_max_days"]
    list_select_related = ["default_pool"]
    fieldsets = [
        (None, {"fields": ["duplicate_window_days", "default_pool"]}),
        (_("Follow-ups"), {
            "fields": ["follow_up_notes_min_length", "next_step_max_days"],
            "description": _("Every follow-up must say what was said and set the next step "
                             "with its date, so that no open lead is without a clock."),
        }),
    ]
    autocomplete_fields = ["default_pool"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not LeadSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


# Leads -----------------------------------------------------------------------------------------

_LEAD_INPUT = ["name", "phone", "email", "wechat_id", "company", "region", "product_interest",
               "campaign", "external_id", "attributes"]
_LEAD_EDITABLE = ["name", "phone", "email", "wechat_id", "company", "region", "product_interest",
                  "campaign", "attributes"]
_LEAD_CONTACT = ["name", "phone", "email", "wechat_id", "company", "region", "product_interest",
                 "attributes"]


class LeadAdminForm(forms.ModelForm):
    """Checks a lead with intake's own rules (`lead_clean`) and keeps its normalised values,
    so that the admin shows the same errors on the same fields as the API and the import."""

    class Meta:
        model = Lead
        fields = ["source", *_LEAD_INPUT]

    def clean(self):
        cleaned = super().clean()
        adding = self.instance.pk is None
        source = cleaned.get("source") if adding else self.instance.source
        if source is None or any(name in self.errors for name in _LEAD_INPUT):
            return cleaned  # one message per field: the form's own comes first
        data = {name: cleaned.get(name) for name in _LEAD_INPUT if name in self.fields}
        if not adding:
            data["external_id"] = self.instance.external_id
        try:
            values = lead_clean(data=data, source=source)
            # lead_create refuses an inactive source (and returns, not refuses, a lead of the
            # same external ID) only when it writes, too late for this form to show: asked
            # here until intake offers these checks as a service of their own.
            if adding and not source.is_active:
                raise ApplicationError(
                    _("The source “%(source)s” is not active.") % {"source": source},
                    code="inactive_source", field="source")
            if adding and values["external_id"] and Lead.objects.filter(
                source=source, external_id=values["external_id"]
            ).exists():
                raise ApplicationError(
                    _("A lead with this external ID exists for this source."),
                    code="exists", field="external_id")
        except ApplicationError as error:
            add_application_error(self, error)
            return cleaned
        for name, value in values.items():
            if name in self.fields:
                cleaned[name] = value
        return cleaned


class AssignmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Assignment
    fields = ["created_at", "to_user", "from_user", "reason", "rule", "note", "actor"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("assignment history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("to_user", "from_user", "rule",
                                                             "actor")


class FollowUpInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FollowUp
    fields = ["created_at", "author", "channel", "outcome", "notes", "next_step", "next_step_at"]
    readonly_fields = fields
    extra = 0

    def has_view_permission(self, request, obj=None):
        # Marketing sees a lead's status and outcome, never the follow-up notes.
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or can_read_follow_up_notes(request.user, obj))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


@admin.register(Lead)
class LeadAdmin(AuditedAdminMixin, PermissionAdminMixin, admin.ModelAdmin):
    form = LeadAdminForm
    list_display = ["name", "company", "phone", "source", "campaign", "status", "owner", "pool",
                    "created_at"]
    list_filter = ["status", "source", ("owner", admin.RelatedOnlyFieldListFilter), "pool",
                   "created_at"]
    search_fields = ["name", "phone", "email", "wechat_id", "company", "external_id"]
    list_select_related = ["source", "campaign__source", "owner", "pool"]
    autocomplete_fields = ["source", "campaign"]
    show_full_result_count = False
    add_fieldsets = [
        (None, {"fields": ["source", "campaign", "external_id"]}),
        (_("Contact"), {"fields": _LEAD_CONTACT}),
    ]
    change_fieldsets = [
        (_("Contact"), {"fields": _LEAD_CONTACT}),
        (_("Origin"), {"fields": ["source", "campaign", "external_id", "created_by",
                                  "duplicate_of", "created_at"]}),
        (_("Work"), {"fields": ["status", "owner", "rule", "pool", "pooled_at", "lost_reason",
                                "won_value", "won_currency", "closed_at"]}),
        (_("Timeline"), {"fields": ["assigned_at", "first_contact_due_at", "first_contacted_at",
                                    "last_follow_up_at", "next_step_due_at", "escalation_step",
                                    "escalation_due_at", "reassignment_count",
                                    "unassigned_reason", "updated_at"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.change_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Owner and status change only through the services (reassign, follow-ups, win, lose).
        return [name for _title, options in self.change_fieldsets
                for name in options["fields"] if name not in _LEAD_EDITABLE]

    def get_inlines(self, request, obj):
        return [] if obj is None else [AssignmentInline, FollowUpInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        visible = visible_leads(request)
        return queryset if visible is None else queryset.filter(pk__in=visible)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and can_create_leads(request.user)

    def changelist_view(self, request, extra_context=None):
        # Files are imported on the import page (upload, preview, confirm), under its rule.
        extra_context = {**(extra_context or {}), "can_import": can_create_leads(request.user)}
        return super().changelist_view(request, extra_context=extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            data = {name: form.cleaned_data.get(name) for name in _LEAD_INPUT
                    if name in form.cleaned_data and name != "external_id"}
            adopt(obj, lead_update_contact(lead=obj, data=data, actor=request.user))
            return
        data = {name: form.cleaned_data.get(name) for name in _LEAD_INPUT}
        try:
            outcome = lead_create(source=form.cleaned_data["source"], data=data,
                                  actor=request.user)
        except ApplicationError as error:  # the source was deactivated after clean()
            messages.error(request, error.message)
            raise
        if not outcome.created:  # created by someone else since clean()
            messages.warning(request, _("A lead with this external ID already existed; it is "
                                        "shown instead."))
        adopt(obj, outcome.lead)


# History ---------------------------------------------------------------------------------------


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "lead", "to_user", "from_user", "reason", "rule", "actor"]
    list_filter = ["reason", "created_at"]
    search_fields = ["lead__name", "lead__phone", "to_user__username", "to_user__full_name"]
    list_select_related = ["lead", "to_user", "from_user", "rule", "actor"]
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        visible = visible_leads(request)
        return queryset if visible is None else queryset.filter(lead_id__in=visible)


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "lead", "author", "channel", "outcome", "next_step_at"]
    list_filter = ["channel", "outcome", "created_at"]
    search_fields = ["lead__name", "author__username", "author__full_name"]
    list_select_related = ["lead", "author"]
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        visible = visible_leads(request)
        return queryset if visible is None else queryset.filter(lead_id__in=visible)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or can_read_follow_up_notes(request.user, obj.lead))

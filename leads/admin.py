"""The admin of the leads app: where admins configure sources, campaigns, pools and rules.

Leads added here go through intake (`lead_create`) like every other door; owners and statuses
change only through the services (manual reassignment, follow-ups), never by editing here.
Files of leads are imported here through the same services as on the import page: upload,
a preview row by row, then all valid rows or none.
"""

import os

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from coordination.core.audit.admin import AuditedAdminMixin
from coordination.core.audit.services import audit_record
from coordination.core.errors import ApplicationError
from coordination.core.errors import PermissionDenied as NotAllowed
from coordination.core.forms import add_application_error
from coordination.core.org import permissions as org
from coordination.core.org.admin import PermissionAdminMixin
from leads.import_views import PROBLEMS_SHOWN, ImportUploadForm
from leads.models import (
    AnswerType,
    Assignment,
    AssignmentRule,
    Campaign,
    Criterion,
    Dispute,
    DisputeAttachment,
    DisputeCap,
    FollowUp,
    ImportStatus,
    Inspection,
    InspectionAnswer,
    Lead,
    LeadImport,
    LeadPool,
    LeadSettings,
    LostReason,
    QualitySettings,
    RulePoolMember,
    Ruling,
    Scorecard,
    Source,
)
from leads.permissions import (
    DisputeReadRule,
    can_create_leads,
    can_inspect,
    can_read_follow_up_notes,
    can_see_quality_queue,
    lead_visibility_filter,
)
from leads.services.assignment import rule_conditions_validate
from leads.services.imports import (
    FIELD_LABELS,
    HEADER_ALIASES,
    MAX_FILE_BYTES,
    MAX_ROWS,
    can_manage_lead_import,
    lead_import_cancel,
    lead_import_confirm,
    lead_import_create,
    problem_rows,
)
from leads.services.intake import lead_clean, lead_create, lead_update_contact
from leads.services.ladder import ladder_validate
from leads.services.quality import quality_settings


class ReadOnlyAdminMixin:
    """History written by the services: to be read, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _visible_leads(request):
    """The leads the admin user may see, by the same rule as the pages; None for all."""
    visible = lead_visibility_filter(request.user)
    return None if visible is None else Lead.objects.filter(visible).values("pk")


# Sources, campaigns, pools, reasons, settings -----------------------------------------------


@admin.register(Source)
class SourceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "channel", "is_active"]
    list_filter = ["channel", "is_active"]
    search_fields = ["name"]


@admin.register(Campaign)
class CampaignAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "source", "starts_on", "ends_on", "spend", "currency"]
    list_filter = ["source", "currency"]
    search_fields = ["name", "source__name"]
    date_hierarchy = "starts_on"
    list_select_related = ["source"]
    autocomplete_fields = ["source"]

    def get_readonly_fields(self, request, obj=None):
        # Its leads carry the campaign: moving it would attribute them to another channel.
        return ["source"] if obj is not None else []


@admin.register(LeadPool)
class LeadPoolAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "team", "daily_claim_limit", "holding_capacity", "cooldown_days"]
    search_fields = ["name"]
    list_select_related = ["team__department"]
    autocomplete_fields = ["team"]


@admin.register(LostReason)
class LostReasonAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["label", "code", "recycle"]
    list_filter = ["recycle"]
    search_fields = ["label", "code"]


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


# Assignment rules ------------------------------------------------------------------------------


class AssignmentRuleForm(forms.ModelForm):
    class Meta:
        model = AssignmentRule
        fields = ["name", "priority", "is_active", "conditions", "team", "strategy", "daily_cap",
                  "first_contact_sla_minutes", "next_step_sla_minutes", "max_reassignments",
                  "on_exhausted", "recycle_pool", "recycle_after_idle_days",
                  "escalation_ladder"]
        # The model's help texts name "attributes.<name>", which the admin would render as an
        # HTML tag; the fieldset descriptions below give the full shape instead.
        help_texts = {
            "conditions": _("A JSON list of conditions, as described above."),
            "escalation_ladder": _("A JSON list of steps, as described above."),
        }

    def clean(self):
        cleaned = super().clean()
        # The same checks as the API: the rule engine would otherwise fail on the first lead.
        for name, validate in (("conditions", rule_conditions_validate),
                               ("escalation_ladder", ladder_validate)):
            if name not in cleaned:  # not even JSON: the field already says so
                continue
            value = [] if cleaned[name] is None else cleaned[name]
            try:
                validate(value)
            except ApplicationError as error:
                add_application_error(self, error)
            else:
                cleaned[name] = value
        return cleaned


class RulePoolMemberInline(admin.TabularInline):
    model = RulePoolMember
    fields = ["user", "weight"]
    autocomplete_fields = ["user"]
    extra = 0


# Shown as fieldset descriptions, which the admin renders as HTML: no angle brackets here.
_CONDITIONS_HELP = _(
    'Which leads the rule takes. Every condition must match; an empty list [] matches every '
    'lead. Shape: [{"field": "source", "op": "equals", "value": "Baidu"}, {"field": "region", '
    '"op": "in", "value": ["上海", "江苏"]}]. Fields: source and campaign (by ID or name), '
    'region, product_interest, or “attributes.” and the header of an extra column of an '
    'imported file, such as attributes.行业. '
    'Operators: equals, in (with a list).')
_LADDER_HELP = _(
    'What happens, day by day, after a missed next-step date. Shape: [{"after_days": 0, '
    '"action": "remind"}, {"after_days": 2, "action": "copy_head"}, {"after_days": 4, '
    '"action": "reassign"}], in order of days. Actions: remind (the rep), copy_head (the rep '
    'and the head), reassign (to another rep of the pool). An empty list [] uses that default.')


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = AssignmentRuleForm
    inlines = [RulePoolMemberInline]
    list_display = ["name", "priority", "is_active", "strategy", "team", "daily_cap",
                    "first_contact_sla_minutes", "recycle_pool"]
    list_display_links = ["name"]
    list_editable = ["priority", "is_active"]
    list_filter = ["is_active", "strategy"]
    search_fields = ["name"]
    list_select_related = ["team__department", "recycle_pool"]
    autocomplete_fields = ["team", "recycle_pool"]
    fieldsets = [
        (None, {"fields": ["name", "priority", "is_active"]}),
        (_("Which leads"), {"fields": ["conditions"], "description": _CONDITIONS_HELP}),
        (_("Who gets them"), {
            "fields": ["team", "strategy", "daily_cap"],
            "description": _("Name reps with weights below, or leave them out to use the "
                             "active members of the pool team."),
        }),
        (_("First contact and reassignment"), {
            "fields": ["first_contact_sla_minutes", "next_step_sla_minutes", "max_reassignments",
                       "on_exhausted"],
        }),
        (_("Lead pool"), {"fields": ["recycle_pool", "recycle_after_idle_days"]}),
        (_("Next-step escalation"), {"fields": ["escalation_ladder"],
                                     "description": _LADDER_HELP}),
    ]

    def save_related(self, request, form, formsets, change):
        # The reps of a rule are part of it: record their changes in its audit trail too.
        before = self._members(form.instance) if change else []
        super().save_related(request, form, formsets, change)
        after = self._members(form.instance)
        if after != before:
            audit_record(actor=request.user, verb="assignmentrule.members_changed",
                         obj=form.instance, before={"members": before},
                         after={"members": after})

    @staticmethod
    def _members(rule: AssignmentRule) -> list[dict]:
        return list(rule.members.order_by("user_id").values("user_id", "weight"))


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
        visible = _visible_leads(request)
        return queryset if visible is None else queryset.filter(pk__in=visible)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and can_create_leads(request.user)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_add_permission(request)}
        return super().changelist_view(request, extra_context=extra_context)

    # File import: the import page's services behind the admin's look ---------------------

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        # Before the model's own URLs: their "<path:object_id>/" would take "import/" too.
        return [
            path("import/", wrap(self.import_upload_view), name=f"{info}_import"),
            path("import/<int:pk>/", wrap(self.import_preview_view),
                 name=f"{info}_import_preview"),
            path("import/<int:pk>/confirm/", wrap(require_POST(self.import_confirm_view)),
                 name=f"{info}_import_confirm"),
            path("import/<int:pk>/cancel/", wrap(require_POST(self.import_cancel_view)),
                 name=f"{info}_import_cancel"),
            *super().get_urls(),
        ]

    def _require_importer(self, request) -> None:
        # has_add_permission is the admin's "add lead" permission and can_create_leads, the
        # rule the import page and the API answer to.
        if not (self.has_add_permission(request) and can_create_leads(request.user)):
            raise PermissionDenied

    def _import_context(self, request, title) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "has_view_permission": self.has_view_permission(request),
        }

    def _import_url(self, name: str, lead_import: LeadImport | None = None) -> str:
        args = [] if lead_import is None else [lead_import.pk]
        return reverse(f"admin:leads_lead_{name}", args=args, current_app=self.admin_site.name)

    def _changelist_url(self) -> str:
        return reverse("admin:leads_lead_changelist", current_app=self.admin_site.name)

    def import_upload_view(self, request):
        self._require_importer(request)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                lead_import = lead_import_create(source=form.cleaned_data["source"],
                                                 file=form.cleaned_data["file"],
                                                 actor=request.user)
            except ApplicationError as error:  # the file cannot be read: shown on its field
                add_application_error(form, error)
            else:
                return redirect(self._import_url("import_preview", lead_import))
        adminform = helpers.AdminForm(form, [(None, {"fields": ["source", "file"]})], {})
        return TemplateResponse(request, "admin/leads/lead/import_upload.html", {
            **self._import_context(request, _("Import leads")),
            "adminform": adminform,
            "form": form,
            "errors": helpers.AdminErrorList(form, []),
            "header_aliases": [(FIELD_LABELS[name], aliases)
                               for name, aliases in HEADER_ALIASES.items()],
            "max_megabytes": MAX_FILE_BYTES // (1024 * 1024),
            "max_rows": number_format(MAX_ROWS, force_grouping=True),
        })

    def import_preview_view(self, request, pk: int):
        """What the import would do, or, once done, what it did; the stored preview is shown,
        the file is not read again."""
        self._require_importer(request)
        lead_import = get_object_or_404(
            LeadImport.objects.select_related("source", "created_by"), pk=pk)
        is_previewed = lead_import.status == ImportStatus.PREVIEWED
        return TemplateResponse(request, "admin/leads/lead/import_preview.html", {
            **self._import_context(request, (
                gettext("Check the import of “%(file)s”") if is_previewed
                else gettext("Import of “%(file)s”")) % {"file": lead_import.file_name}),
            "lead_import": lead_import,
            "is_previewed": is_previewed,
            "is_imported": lead_import.status == ImportStatus.IMPORTED,
            "problems": problem_rows(lead_import, limit=PROBLEMS_SHOWN),
            "problems_hidden": max(len(lead_import.problems) - PROBLEMS_SHOWN, 0),
            "may_manage": can_manage_lead_import(request.user, lead_import),
        })

    def _managed_import(self, request, pk: int) -> LeadImport:
        self._require_importer(request)
        lead_import = get_object_or_404(LeadImport.objects.select_related("source"), pk=pk)
        if not can_manage_lead_import(request.user, lead_import):
            raise PermissionDenied
        return lead_import

    def import_confirm_view(self, request, pk: int):
        lead_import = self._managed_import(request, pk)
        already = lead_import.status == ImportStatus.IMPORTED
        try:
            lead_import = lead_import_confirm(lead_import=lead_import, actor=request.user)
        except NotAllowed:
            raise PermissionDenied from None
        except ApplicationError as error:  # cancelled, or a row no longer passes intake
            self.message_user(request, error.message, messages.ERROR)
            return redirect(self._import_url("import_preview", lead_import))
        outcome = _import_outcome(lead_import)
        if already:  # a double click or a reload: the service imported nothing more
            already_done = gettext("This file has already been imported.")
            self.message_user(request, f"{already_done} {outcome}", messages.WARNING)
        else:
            self.message_user(request, gettext("“%(file)s” imported. %(outcome)s") % {
                "file": lead_import.file_name, "outcome": outcome}, messages.SUCCESS)
        return redirect(self._changelist_url())

    def import_cancel_view(self, request, pk: int):
        lead_import = self._managed_import(request, pk)
        try:
            lead_import_cancel(lead_import=lead_import, actor=request.user)
        except NotAllowed:
            raise PermissionDenied from None
        except ApplicationError as error:  # already imported: nothing to cancel
            self.message_user(request, error.message, messages.ERROR)
            return redirect(self._import_url("import_preview", lead_import))
        self.message_user(
            request, gettext("The import of “%(file)s” was cancelled; nothing was imported.")
            % {"file": lead_import.file_name}, messages.SUCCESS)
        return redirect(self._changelist_url())

    def save_model(self, request, obj, form, change):
        if change:
            data = {name: form.cleaned_data.get(name) for name in _LEAD_INPUT
                    if name in form.cleaned_data and name != "external_id"}
            lead_update_contact(lead=obj, data=data, actor=request.user)
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
        lead = outcome.lead
        for model_field in Lead._meta.concrete_fields:
            setattr(obj, model_field.attname, getattr(lead, model_field.attname))
        obj._state.adding = False
        obj._state.db = lead._state.db


def _import_outcome(lead_import: LeadImport) -> str:
    """How many leads an import created and how many already existed, in the words of the
    import page."""
    created, existing = lead_import.created_count or 0, lead_import.existing_count
    created_text = ngettext("%(counter)s lead created.", "%(counter)s leads created.",
                            created) % {"counter": created}
    existing_text = ngettext("%(counter)s already existed and was skipped.",
                             "%(counter)s already existed and were skipped.",
                             existing) % {"counter": existing}
    return f"{created_text} {existing_text}"


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "lead", "to_user", "from_user", "reason", "rule", "actor"]
    list_filter = ["reason", "created_at"]
    search_fields = ["lead__name", "lead__phone", "to_user__username", "to_user__full_name"]
    list_select_related = ["lead", "to_user", "from_user", "rule", "actor"]
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        visible = _visible_leads(request)
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
        visible = _visible_leads(request)
        return queryset if visible is None else queryset.filter(lead_id__in=visible)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or can_read_follow_up_notes(request.user, obj.lead))


@admin.register(LeadImport)
class LeadImportAdmin(ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """The history of file imports; importing itself happens on the import page."""

    list_display = ["created_at", "file_name", "source", "created_by", "status", "row_count",
                    "created_count", "existing_count", "error_count"]
    list_filter = ["status", "source"]
    search_fields = ["file_name", "created_by__username", "created_by__full_name"]
    list_select_related = ["source", "created_by"]
    fields = ["file_name", "source", "created_by", "status", "created_at", "imported_at",
              "row_count", "valid_count", "existing_count", "error_count", "duplicate_count",
              "created_count", "columns", "rows_link"]
    readonly_fields = fields

    def get_queryset(self, request):
        # The rows and problems can run to thousands; the import's own page shows them.
        return super().get_queryset(request).defer("rows", "problems")

    @admin.display(description=_("rows and problems"))
    def rows_link(self, obj):
        # A preview left unconfirmed can be taken up again from its history.
        url = reverse("admin:leads_lead_import_preview", args=[obj.pk],
                      current_app=self.admin_site.name)
        return format_html('<a href="{}" id="lead-import-rows-link">{}</a>', url,
                           _("Show the rows and problems"))


# Lead quality ----------------------------------------------------------------------------------
#
# Disputes are opened on the lead page or through the API, ruled on the ruling page by an
# adjudicator: the admin shows them and their rulings, and offers no way to write either. What
# admins configure here: the dispute caps, the quality settings and the scorecards. Who reads
# which dispute, and what of it, is the ruling page's and the API's rule (`DisputeReadRule`).


def _sees_all_quality(user) -> bool:
    return (org.is_superuser(user) or org.is_executive(user) or can_see_quality_queue(user)
            or can_inspect(user))


def _dispute_rule(request) -> DisputeReadRule:
    """Who may read which dispute and what of it, for this admin user; built once per request:
    the dispute's queryset, columns, filters, fields and inlines all ask."""
    if not hasattr(request, "_dispute_rule"):
        request._dispute_rule = DisputeReadRule(request.user)
    return request._dispute_rule


def _blind(request) -> bool:
    """Blind review for this admin user."""
    return _dispute_rule(request).blind


def _readable_disputes(request):
    """The disputes this admin user may read, as a subquery; None for every one."""
    readable = _dispute_rule(request).filter()
    return None if readable is None else Dispute.objects.filter(readable).values("pk")


def _evidence_link(obj, name: str):
    # Evidence is not public media: it is served by the ruling page's own view, which checks
    # who may read the dispute.
    url = reverse("leads:dispute_file", args=[obj.dispute_id, obj.pk])
    return format_html('<a href="{}">{}</a>', url, name)


def _blind_evidence_name(obj) -> str:
    """An evidence file named by its number, as in the API: its own name may name its sender."""
    return f"evidence-{obj.pk}{os.path.splitext(obj.file.name)[1].lower()}"


class RulingInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Ruling
    fields = ["created_at", "verdict", "reason", "note", "ruled_by", "supersedes_number"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ruled_by")

    @admin.display(description=_("supersedes"))
    def supersedes_number(self, obj):
        return f"#{obj.supersedes_id}" if obj.supersedes_id else "—"


class DisputeAttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Who uploaded each file, and its own name. Not for blind readers: a tabular inline
    prints each row's object, whose name is the file's; they get DisputeAdmin.evidence_files,
    the files named by their number."""

    model = DisputeAttachment
    fields = ["file_link", "uploaded_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("file"))
    def file_link(self, obj):
        return _evidence_link(obj, obj.file.name.rsplit("/", 1)[-1])


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Read-only: a dispute is opened by sales or marketing and ruled by an adjudicator on
    the ruling page, never written here."""

    list_display = ["__str__", "side", "ground", "status", "created_at", "due_at", "ruled_at",
                    "escalated_at"]
    list_filter = ["status", "side", "ground", "created_at"]
    search_fields = ["lead__name", "lead__phone", "evidence"]
    list_select_related = ["lead"]
    show_full_result_count = False
    date_hierarchy = "created_at"
    fields = ["lead", "side", "opened_by", "ground", "evidence", "linked_follow_ups", "status",
              "created_at", "due_at", "escalated_at", "ruled_at", "ruling_page"]
    readonly_fields = fields
    inlines = [DisputeAttachmentInline, RulingInline]
    # What blind review hides from the quality department: who opened the dispute and its
    # side, as columns, filters, fields and lookups in the address; and who uploaded the
    # evidence files and their own names (the inline), replaced by the files by number.
    blind_hidden = ("side", "opened_by")

    def _shown_to(self, request, names, *, files: bool = False):
        if not _blind(request):
            return list(names)
        shown = [name for name in names if name not in self.blind_hidden]
        return [*shown, "evidence_files"] if files else shown

    def get_list_display(self, request):
        return self._shown_to(request, super().get_list_display(request))

    def get_list_filter(self, request):
        return self._shown_to(request, super().get_list_filter(request))

    def get_fields(self, request, obj=None):
        return self._shown_to(request, super().get_fields(request, obj), files=True)

    def get_readonly_fields(self, request, obj=None):
        return self._shown_to(request, super().get_readonly_fields(request, obj), files=True)

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        if _blind(request):
            # A tabular inline prints each row's object, whose name is the file's own.
            return [inline for inline in inlines if inline is not DisputeAttachmentInline]
        return inlines

    def lookup_allowed(self, lookup, value, request):
        # ?side=sales or ?opened_by=3 in the changelist's address would tell what the list
        # hides: refused (a 400) under blind review.
        if lookup.split("__", 1)[0] in self.blind_hidden and _blind(request):
            return False
        return super().lookup_allowed(lookup, value, request)

    def history_view(self, request, object_id, extra_context=None):
        # The audit trail names who opened the dispute and its side: not under blind review.
        if _blind(request):
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        readable = _dispute_rule(request).filter()
        return queryset if readable is None else queryset.filter(readable)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or _dispute_rule(request).access(obj).may_read)

    @admin.display(description=_("linked follow-ups"))
    def linked_follow_ups(self, obj):
        rows = obj.follow_ups.order_by("created_at").values_list("pk", "created_at", "channel")
        return ", ".join(f"#{pk} {created_at:%Y-%m-%d %H:%M} {channel}"
                         for pk, created_at, channel in rows) or "—"

    @admin.display(description=_("evidence files"))
    def evidence_files(self, obj):
        # Blind readers only (see get_fields): the files by number, not who sent them.
        return format_html_join(", ", "{}", (
            (_evidence_link(attachment, _blind_evidence_name(attachment)),)
            for attachment in obj.attachments.order_by("id"))) or "—"

    @admin.display(description=_("ruling page"))
    def ruling_page(self, obj):
        return format_html('<a href="{}" id="dispute-ruling-page">{}</a>',
                           obj.get_absolute_url(),
                           _("Rulings are made on the ruling page, by an adjudicator"))


@admin.register(Ruling)
class RulingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Rulings are final and made on the ruling page by an adjudicator (a correction by a
    quality head, on the same page): the admin neither adds, changes nor deletes one, for
    anybody, superusers included."""

    list_display = ["__str__", "verdict", "reason", "ruled_by", "created_at", "supersedes_id"]
    list_filter = ["verdict", "reason", "created_at"]
    search_fields = ["dispute__lead__name", "note"]
    list_select_related = ["dispute__lead", "ruled_by"]
    show_full_result_count = False
    fields = ["dispute", "verdict", "reason", "note", "ruled_by", "created_at", "supersedes"]
    readonly_fields = fields

    def get_queryset(self, request):
        # The rulings of the disputes the admin user may read.
        queryset = super().get_queryset(request)
        readable = _readable_disputes(request)
        return queryset if readable is None else queryset.filter(dispute_id__in=readable)


@admin.register(DisputeCap)
class DisputeCapAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "source", "side", "max_share"]
    list_filter = ["side", "source"]
    list_select_related = ["source"]
    autocomplete_fields = ["source"]


@admin.register(QualitySettings)
class QualitySettingsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """One row for the whole company, the one the services read: the list opens it, it can
    be changed, never added or deleted."""

    fieldsets = [
        (_("Disputes"), {"fields": ["blind_review", "pause_clocks_during_dispute",
                                    "ruling_sla_minutes", "sample_share"]}),
        (_("Inspection"), {"fields": ["inspection_share", "inspection_minimum",
                                      "low_score_share", "low_score_window_days",
                                      "double_scoring_share"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        row = quality_settings()
        return redirect(reverse("admin:leads_qualitysettings_change", args=[row.pk],
                                current_app=self.admin_site.name))


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ["position", "label", "weight", "answer_type", "min_score", "max_score",
                  "choices"]

    def clean(self):
        # The shape the scoring service reads: a choice needs options, each a label and the
        # share of the marks it earns.
        cleaned = super().clean()
        if cleaned.get("answer_type") != AnswerType.CHOICE or "choices" in self.errors:
            return cleaned
        options = cleaned.get("choices")
        message = _('Give the options as [{"label": "…", "points": 0 to 1}, …].')
        if not isinstance(options, list) or not options:
            self.add_error("choices", message)
            return cleaned
        labels = set()
        for option in options:
            points = option.get("points") if isinstance(option, dict) else None
            label = str(option.get("label", "")).strip() if isinstance(option, dict) else ""
            if (not label or isinstance(points, bool)
                    or not isinstance(points, int | float) or not 0 <= points <= 1):
                self.add_error("choices", message)
                return cleaned
            if label in labels:
                self.add_error("choices", _("Each option needs its own label."))
                return cleaned
            labels.add(label)
        return cleaned


class CriterionInline(admin.TabularInline):
    model = Criterion
    form = CriterionForm
    fields = ["position", "label", "weight", "answer_type", "min_score", "max_score",
              "choices"]
    extra = 0


@admin.register(Scorecard)
class ScorecardAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "pass_mark", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    inlines = [CriterionInline]


class InspectionAnswerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InspectionAnswer
    fields = ["criterion", "value", "points"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion")


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdminMixin, AuditedAdminMixin, admin.ModelAdmin):
    """Read-only: follow-ups are drawn by the daily sample and scored on the inspector's
    scoring page."""

    list_display = ["drawn_on", "follow_up", "round", "status", "inspector", "score", "passed",
                    "not_genuine", "scored_at"]
    list_filter = ["status", "round", "passed", "not_genuine", "scorecard", "drawn_on"]
    search_fields = ["follow_up__lead__name", "follow_up__author__username",
                     "follow_up__author__full_name", "findings"]
    list_select_related = ["follow_up__lead", "inspector"]
    show_full_result_count = False
    date_hierarchy = "drawn_on"
    fields = ["follow_up", "round", "scorecard", "drawn_on", "status", "inspector", "score",
              "passed", "findings", "not_genuine", "scored_at"]
    readonly_fields = fields
    inlines = [InspectionAnswerInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if _sees_all_quality(request.user):
            return queryset
        visible = _visible_leads(request)
        return queryset if visible is None else queryset.filter(
            follow_up__lead_id__in=visible)

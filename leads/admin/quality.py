"""Lead quality: disputes and their rulings (read-only here), dispute caps and the quality
settings.

Disputes are opened on the lead page or through the API, ruled on the ruling page by an
adjudicator: the admin shows them and their rulings, and offers no way to write either. What
admins configure here: the dispute caps and the quality settings (scorecards: see
inspection.py). Who reads which dispute, and what of it, is the ruling page's and the API's rule
(`DisputeReadRule`).
"""

import os

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from coordination.core.audit.admin import AuditedAdminMixin
from leads.admin.base import ReadOnlyAdminMixin
from leads.models import Dispute, DisputeAttachment, DisputeCap, QualitySettings, Ruling
from leads.permissions import dispute_read_rule
from leads.services.quality import quality_settings


def _blind(request) -> bool:
    """Blind review for this admin user (`dispute_read_rule`: built once per request, the
    dispute's queryset, columns, filters, fields and inlines all ask it)."""
    return dispute_read_rule(request).blind


def _readable_disputes(request):
    """The disputes this admin user may read, as a subquery; None for every one."""
    readable = dispute_read_rule(request).filter()
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
        readable = dispute_read_rule(request).filter()
        return queryset if readable is None else queryset.filter(readable)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or dispute_read_rule(request).access(obj).may_read)

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

"""The history of file imports. Importing itself happens on the import page
(`leads_import:upload`), which the admin's lead list links to."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from coordination.core.audit.admin import AuditedAdminMixin
from leads.admin.base import ReadOnlyAdminMixin
from leads.models import LeadImport


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
        # The import's own page: a preview left unconfirmed can be taken up again there.
        return format_html('<a href="{}" id="lead-import-rows-link">{}</a>',
                           obj.get_absolute_url(), _("Show the rows and problems"))

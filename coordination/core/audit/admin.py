from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from coordination.core.audit.models import AuditEvent
from coordination.core.audit.selectors import audit_history_for
from coordination.core.audit.services import audit_record, audit_snapshot
from coordination.core.org.permissions import can_view_audit_history


class AuditedAdminMixin:
    """Shows the object's audit trail on its history page, and records what the admin changes
    for models that have no service of their own."""

    object_history_template = "admin/coordination/object_history.html"
    audit_on_save = True

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if obj is not None and can_view_audit_history(request.user, obj):
            extra_context["audit_events"] = list(audit_history_for(obj=obj)[:200])
        return super().history_view(request, object_id, extra_context=extra_context)

    def save_model(self, request, obj, form, change):
        before = None
        if change and self.audit_on_save:
            before = audit_snapshot(type(obj).objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)
        if self.audit_on_save:
            verb = f"{obj._meta.model_name}.{'updated' if change else 'created'}"
            audit_record(actor=request.user, verb=verb, obj=obj, before=before,
                         after=audit_snapshot(obj))

    def delete_model(self, request, obj):
        if self.audit_on_save:
            audit_record(actor=request.user, verb=f"{obj._meta.model_name}.deleted", obj=obj,
                         before=audit_snapshot(obj))
        super().delete_model(request, obj)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "verb", "content_type", "object_repr"]
    list_filter = ["verb", "content_type"]
    search_fields = ["object_repr", "actor_label", "verb", "object_id"]
    date_hierarchy = "created_at"
    list_select_related = ["content_type"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_view_permission(self, request, obj=None):
        # The trail names who did what, including who opened a lead-quality dispute, which
        # blind review keeps from the quality department: admins only.
        return bool(request.user.is_active and request.user.is_superuser)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("object"))
    def object_link(self, obj):
        return obj.object_repr

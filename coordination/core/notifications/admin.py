from django.contrib import admin

from coordination.core.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at", "emailed_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "recipient", "kind", "title", "body", "url", "target_type",
                       "target_id", "read_at", "email_wanted", "emailed_at"]

    def has_add_permission(self, request):
        return False

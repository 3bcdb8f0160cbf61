from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        # Registers the lead rules with the permission module and the API scopes.
        from coordination.core.apikeys.scopes import register_scope
        from leads import permissions  # noqa: F401

        register_scope("leads:read", _("Read leads, sources, campaigns, follow-ups and rules"))
        register_scope("leads:write", _("Create leads and import them"))
        register_scope("leads:assign", _("Reassign leads to sales reps (like a sales head)"))
        register_scope("quality:read", _("Read lead-quality disputes, rulings and inspections"))
        # Events integrations may subscribe to (emitted by the quality services).
        from coordination.core.webhooks.services import webhook_event_register

        webhook_event_register("dispute.opened", _("A lead-quality dispute was opened"),
                               scope="quality:read")
        webhook_event_register("dispute.ruled", _("A lead-quality dispute was ruled"),
                               scope="quality:read")

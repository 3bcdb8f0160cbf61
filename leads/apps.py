from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        """Plug the leads app into the core's registries: permission rules, API scopes and
        routes, event types, navigation and periodic schedules."""
        from coordination.core.api.routes import api_route_register
        from coordination.core.apikeys.scopes import register_scope
        from coordination.core.events.registry import event_type_register
        from coordination.core.org.permissions import is_executive, permission_rule_register
        from coordination.core.schedules import Schedule, schedule_register
        from coordination.core.web.navigation import NavItem, nav_register
        from coordination.core.web.routes import page_route_register
        from leads import permissions
        from leads.models import Lead

        permission_rule_register(Lead, view=permissions.can_view_lead,
                                 act=permissions.can_act_on_lead)

        register_scope("leads:read", _("Read leads, sources, campaigns, follow-ups and rules"))
        register_scope("leads:write", _("Create leads and import them"))
        register_scope("leads:assign", _("Reassign leads to sales reps (like a sales head)"))
        register_scope("quality:read", _("Read lead-quality disputes, rulings and inspections"))
        api_route_register("leads.api_urls")
        page_route_register("leads/import/", "leads.urls:import_urlpatterns",
                            namespace="leads_import", order=100)
        page_route_register("leads/", "leads.urls", order=110)

        # Events integrations may subscribe to (emitted by the quality services).
        event_type_register("dispute.opened", _("A lead-quality dispute was opened"),
                            scope="quality:read")
        event_type_register("dispute.ruled", _("A lead-quality dispute was ruled"),
                            scope="quality:read")

        def follow_up_reader(user) -> bool:
            return permissions.is_sales_manager(user) or is_executive(user)

        # Between the core's home (0) and the scoreboard (800), in this order.
        for position, item in enumerate((
            NavItem("my_leads", _("My leads"), "leads:mine", permissions.is_sales),
            NavItem("leads", _("Leads"), "leads:list", permissions.can_list_leads, exact=True),
            NavItem("team", _("Team"), "leads:team", permissions.is_sales_manager),
            NavItem("pool", _("Lead pool"), "leads:pool", permissions.is_sales),
            NavItem("follow_ups", _("Follow-ups"), "leads:follow_ups", follow_up_reader),
            NavItem("disputes", _("Disputes"), "leads:disputes",
                    permissions.can_see_quality_queue),
            NavItem("inspections", _("Inspections"), "leads:inspections",
                    permissions.can_inspect),
            NavItem("quality_results", _("Quality results"), "leads:quality_results",
                    permissions.is_sales),
            NavItem("import_leads", _("Import leads"), "leads_import:upload",
                    permissions.can_create_leads),
        )):
            nav_register(NavItem(item.key, item.label, item.url_name, item.visible,
                                 order=100 + 10 * position, exact=item.exact))

        for schedule in (
            Schedule(
                name="leads: reassign overdue",
                task="leads.tasks.leads_reassign_overdue_task",
                every_seconds=60,
                description="Takes back leads past their first-contact deadline; climbs the "
                            "next-step escalation ladder."),
            Schedule(
                name="leads: assign left-over leads",
                task="leads.tasks.leads_assign_unassigned_task",
                every_seconds=300,
                description="Retries leads left in the default queue."),
            Schedule(
                name="leads: recycle idle leads",
                task="leads.tasks.leads_recycle_idle_task",
                crontab="15 2 * * *",
                description="Sends leads with no follow-up for their rule's idle days to the "
                            "pool."),
            Schedule(
                name="quality: escalate overdue disputes",
                task="leads.tasks.disputes_escalate_overdue_task",
                every_seconds=60,
                description="Tells the quality heads about disputes past their ruling "
                            "deadline."),
            Schedule(
                name="quality: daily sample of leads",
                task="leads.tasks.leads_sample_for_adjudication_task",
                crontab="0 1 * * *",
                description="Draws yesterday's share of each source's leads for adjudication."),
            Schedule(
                name="quality: daily inspection draw",
                task="leads.tasks.inspections_draw_task",
                crontab="30 1 * * *",
                description="Draws yesterday's follow-ups of each rep into the inspector "
                            "queue."),
            Schedule(
                name="leads: expire import previews",
                task="leads.tasks.lead_imports_expire_task",
                crontab="30 3 * * *",
                description="Cancels file-import previews nobody confirmed within two days."),
        ):
            schedule_register(schedule)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    # The organisation core keeps the app label it was born with: the user model
    # (coordination.User), the migrations and the audit trail's content types depend on it.
    name = "coordination.core"
    label = "coordination"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        """The core's own entries in the registries it offers; the apps add theirs from their
        own ready(), which runs after this one (INSTALLED_APPS order)."""
        # Registers the OpenAPI description of API-key authentication.
        from coordination.core.api import schema  # noqa: F401
        from coordination.core.api.routes import api_route_register
        from coordination.core.events.registry import event_consumer_register
        from coordination.core.idempotency import tasks  # noqa: F401 - registers the purge task
        from coordination.core.org import permissions
        from coordination.core.schedules import Schedule, schedule_register
        from coordination.core.web import home
        from coordination.core.web.home import HomeSection, home_section_register
        from coordination.core.web.navigation import NavItem, nav_register
        from coordination.core.webhooks.services import webhook_event_dispatch

        def staff(user) -> bool:
            return getattr(user, "is_staff", False)

        def api_reader(user) -> bool:
            return permissions.is_superuser(user) or permissions.is_executive(user)

        permissions.register_core_rules()

        nav_register(NavItem("home", _("Home"), "home", permissions.is_person, order=0))
        nav_register(NavItem("notifications", _("Notifications"), "notifications",
                             permissions.is_person, order=900))
        nav_register(NavItem("organisation", _("Organisation"), "organisation",
                             permissions.is_person, order=910))
        nav_register(NavItem("api", _("API"), "api-docs", api_reader, order=950))
        nav_register(NavItem("admin", _("Admin"), "admin:index", staff, order=990))

        home_section_register(HomeSection("waiting", "coordination/home/_waiting.html",
                                          home.waiting_section, order=0))
        home_section_register(HomeSection("departments", "coordination/home/_departments.html",
                                          home.departments_section, order=900))
        home_section_register(HomeSection("quotas", "coordination/home/_quotas.html",
                                          home.quotas_section, order=910))
        home_section_register(HomeSection("absences", "coordination/home/_absences.html",
                                          home.absences_section, order=920))
        home_section_register(HomeSection(
            "absent_colleagues", "coordination/home/_absent_colleagues.html",
            home.absent_colleagues_section, order=930))

        api_route_register("coordination.core.api.urls", order=0)

        schedule_register(Schedule(
            name="worker heartbeat",
            task="coordination.core.tasks.heartbeat_task",
            every_seconds=60, order=0,
            description="Shows on /healthz that the scheduler and a worker run."))
        schedule_register(Schedule(
            name="webhooks: send due deliveries",
            task="coordination.core.webhooks.tasks.webhook_deliveries_due_task",
            every_seconds=60, order=10,
            description="Sends webhook deliveries whose next attempt is due (retries with "
                        "backoff) and hands over events that missed their dispatch."))
        schedule_register(Schedule(
            name="idempotency keys: delete expired",
            task="coordination.core.idempotency.tasks.idempotency_records_purge_task",
            every_seconds=3600, order=20,
            description="Deletes the kept answers of Idempotency-Key requests whose time "
                        "(IDEMPOTENCY_KEY_TTL_SECONDS) has passed."))

        # Webhook delivery reads the outbox like any other consumer would.
        event_consumer_register("webhooks", lambda event_id: webhook_event_dispatch(
            event_id=event_id))

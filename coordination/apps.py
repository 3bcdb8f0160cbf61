from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "coordination"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        # Registers the OpenAPI description of API-key authentication.
        from coordination.api import schema  # noqa: F401

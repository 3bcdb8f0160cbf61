from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    # The organisation core keeps the app label it was born with: the user model
    # (coordination.User), the migrations and the audit trail's content types depend on it.
    name = "coordination.core"
    label = "coordination"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        # Registers the OpenAPI description of API-key authentication.
        from coordination.core.api import schema  # noqa: F401

"""The scopes an API key may hold. Each app adds its own with `register_scope`."""

from django.utils.translation import gettext_lazy as _

_SCOPES: dict[str, object] = {}


def register_scope(name: str, description) -> None:
    _SCOPES[name] = description


def scope_choices() -> list[tuple[str, object]]:
    return sorted(_SCOPES.items())


def is_known_scope(name: str) -> bool:
    return name in _SCOPES


register_scope("org:read", _("Read departments, teams and people"))
register_scope("org:write", _("Change memberships (members and team leads)"))
register_scope("org:admin", _("Make department heads and executives"))
register_scope("webhooks:manage", _("Manage webhook subscriptions"))
register_scope("metrics:read", _("Read the metrics (funnel, ROI, quotas, SLAs)"))

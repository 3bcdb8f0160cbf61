from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from coordination.core.apikeys.models import ApiKey


class HasRequiredScope(permissions.BasePermission):
    """An API-key request needs the scope the view names for reading or writing.

    Views declare `required_scopes = {"read": "leads:read", "write": "leads:write"}`. A view
    that declares none is closed to API keys: integrations reach only what was opened to them.
    People signed in with a session are not limited by scopes; their roles decide.
    """

    message = _("This API key does not have the scope this endpoint needs.")

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ApiKey):
            return True
        scopes = getattr(view, "required_scopes", None) or {}
        needed = scopes.get("read" if request.method in permissions.SAFE_METHODS else "write")
        if needed is None:
            return False
        self.message = _("This API key lacks the scope “%(scope)s”.") % {"scope": needed}
        return needed in request.auth.scopes

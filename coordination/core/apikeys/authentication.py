from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from coordination.core.apikeys.principal import ApiKeyPrincipal
from coordination.core.apikeys.services import api_key_authenticate

KEYWORDS = ("api-key", "bearer")


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>` (or `Bearer <key>`). The request acts as the integration,
    with only the scopes of its key."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").strip()
        if not header:
            return None
        keyword, _sep, raw = header.partition(" ")
        if keyword.lower() not in KEYWORDS:
            return None
        if not raw.strip():
            raise exceptions.AuthenticationFailed(_("No API key was given after the keyword."))
        api_key = api_key_authenticate(raw=raw)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("The API key is invalid, expired or revoked."))
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request):
        return "Api-Key"

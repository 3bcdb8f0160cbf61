"""The identity of a request made with an API key: an integration, not a person."""

from coordination.core.apikeys.models import ApiKey


class ApiKeyPrincipal:
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    is_integration = True
    pk = None
    id = None
    preferred_language = ""

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key

    @property
    def audit_label(self) -> str:
        return f"API key {self.api_key.name} ({self.api_key.prefix})"

    def has_scope(self, scope: str) -> bool:
        return scope in self.api_key.scopes

    def get_username(self) -> str:
        return f"api-key:{self.api_key.prefix}"

    def __str__(self) -> str:
        return self.audit_label

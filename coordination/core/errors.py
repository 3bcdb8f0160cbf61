"""The one error type for broken business rules.

Services raise it; one DRF exception handler turns it into the API error format and one helper
turns it into form errors.
"""


class ApplicationError(Exception):
    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None,
                 extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.extra = extra or {}

    def __str__(self) -> str:
        return str(self.message)


class PermissionDenied(ApplicationError):
    """The actor may not do this. Turned into 403 by the API and refused by forms."""

    def __init__(self, message: str, *, code: str = "permission_denied", field: str | None = None
                 ) -> None:
        super().__init__(message, code=code, field=field)

"""The OpenAPI schema's helpers: the description of Tandem's own authentication (loaded from the
app's ready()), the error responses every endpoint documents, and how a view tells that it is
only being described."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from coordination.core.api.serializers import ErrorsSerializer

# The responses of `extend_schema(responses=...)` that are only errors, in the API's one error
# format: refused input or a broken rule (400), not allowed (403), and on one object not found
# (404).
ERRORS = {400: ErrorsSerializer, 403: ErrorsSerializer}
DETAIL_ERRORS = {**ERRORS, 404: ErrorsSerializer}


def building_schema(view) -> bool:
    """Whether drf-spectacular is only describing `view`: it builds the schema with a request
    that has no real user, so a view asks this before reading the caller's data."""
    return getattr(view, "swagger_fake_view", False)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "coordination.core.apikeys.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: a key created in the admin, limited to its scopes.",
        }

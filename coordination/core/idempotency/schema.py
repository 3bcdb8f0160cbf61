"""The OpenAPI description of idempotency keys (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).

The middleware honours the header on every POST, whatever the view; so the schema says so on
every POST operation, after the views have been described, rather than in each view.
"""

from coordination.core.idempotency.services import HEADER, KEY_MAX_LENGTH

ERRORS_REF = {"$ref": "#/components/schemas/Errors"}
# The same as ErrorsSerializer's component (coordination.core.api.serializers), for a schema in
# which no view happened to name it.
ERRORS_COMPONENTS = {
    "ErrorItem": {
        "type": "object",
        "properties": {
            "field": {"type": "string", "nullable": True},
            "code": {"type": "string"},
            "message": {"type": "string"},
        },
        "required": ["code", "field", "message"],
    },
    "Errors": {
        "type": "object",
        "description": "The API's error format, for the schema of responses that are only "
                       "errors.",
        "properties": {"errors": {"type": "array",
                                  "items": {"$ref": "#/components/schemas/ErrorItem"}}},
        "required": ["errors"],
    },
}

PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "description": (
        "Makes a retry safe: the first request with this key is done and its answer kept "
        "(24 hours by default); a retry with the same key and the same request gets that "
        "answer again, with the header `Idempotent-Replayed: true`, and changes nothing. "
        "Keys belong to the caller (the API key or the signed-in person). The same key with "
        "another request answers 422; while the first request is still running, 409. Server "
        "errors (5xx) and throttled requests (429) are not kept: retry them with the same key. "
        f"1 to {KEY_MAX_LENGTH} printable ASCII characters; a UUID is a good key."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH,
               "pattern": "^[ -~]+$"},
}

RESPONSES = {
    "400": "Refused input, or a malformed Idempotency-Key.",
    "409": "A request with this Idempotency-Key is still being processed.",
    "422": "This Idempotency-Key was already used for another request.",
}


def idempotency_postprocess(result, generator, request, public, **kwargs):
    """Add the optional Idempotency-Key header and its 400, 409 and 422 answers to every POST
    operation. An answer the view already documents is left as the view describes it."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for path_item in result.get("paths", {}).values():
        operation = path_item.get("post")
        if operation is None:
            continue
        parameters = operation.setdefault("parameters", [])
        if not any(parameter.get("in") == "header" and parameter.get("name") == HEADER
                   for parameter in parameters):
            parameters.append(dict(PARAMETER))
        responses = operation.setdefault("responses", {})
        for status, description in RESPONSES.items():
            if status not in responses:
                responses[status] = {
                    "content": {"application/json": {"schema": dict(ERRORS_REF)}},
                    "description": description,
                }
        for name, component in ERRORS_COMPONENTS.items():
            schemas.setdefault(name, component)
    return result

"""Django's error views, answering API paths in the API's error format.

A request under /api/ that Django itself refuses (no such URL, a non-numeric id, a body over
the size limit, a crash) gets `{"errors": [...]}` as JSON like every other API error, not an
HTML page a client cannot read. Pages keep Django's own error views.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _json(code: str, message: str, status: int) -> JsonResponse:
    response = JsonResponse({"errors": [{"field": None, "code": code, "message": message}]},
                            status=status)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    if _is_api(request):
        from django.core.exceptions import RequestDataTooBig

        if isinstance(exception, RequestDataTooBig):
            return _json("request_too_large", _("The request body is too large."), 413)
        return _json("bad_request", _("The request could not be read."), 400)
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name=defaults.ERROR_403_TEMPLATE_NAME):
    if _is_api(request):
        return _json("permission_denied",
                     _("You do not have permission to perform this action."), 403)
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    if _is_api(request):
        return _json("not_found", _("Not found."), 404)
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    if _is_api(request):
        return _json("server_error", _("A server error occurred."), 500)
    return defaults.server_error(request, template_name)


def api_not_found(request, *args, **kwargs):
    """The last route under /api/: a path no resource matches (also a non-numeric id) answers
    404 in the API's error format, in development too (where Django's debug page would)."""
    return _json("not_found", _("Not found."), 404)

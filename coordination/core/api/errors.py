"""The one API error format: `{"errors": [{"field": ..., "code": ..., "message": ...}]}`."""

from collections.abc import Mapping
from types import MappingProxyType

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from coordination.core.errors import ApplicationError, PermissionDenied


def _flatten(detail, field=None) -> list[dict]:
    """DRF's nested error detail as a flat list; nested fields joined with dots."""
    if isinstance(detail, dict):
        errors = []
        for key, value in detail.items():
            name = None if key == "non_field_errors" else (f"{field}.{key}" if field else str(key))
            errors.extend(_flatten(value, name))
        return errors
    if isinstance(detail, list):
        errors = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                errors.extend(_flatten(value, f"{field}.{index}" if field else str(index)))
            else:
                errors.extend(_flatten(value, field))
        return errors
    return [{"field": field, "code": getattr(detail, "code", "invalid"), "message": str(detail)}]


class ErrorStatusMixin:
    """Lets an action answer chosen `ApplicationError` codes with another status than 400, for
    a broken rule a client must tell apart: `@action(..., error_statuses={"already_claimed":
    409})` answers a lost race with 409 Conflict. DRF sets an action's extra arguments on the
    view that serves that action only; this attribute is their default (DRF accepts only
    arguments the view class has). The body stays the one error format; a `PermissionDenied` is
    always 403. The exception handler below reads it, so actions need no try/except."""

    error_statuses: Mapping[str, int] = MappingProxyType({})


def _application_error_status(exc: ApplicationError, context) -> int:
    statuses = getattr(context.get("view"), "error_statuses", None) or {}
    return statuses.get(exc.code, status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        return Response({"errors": [{"field": None, "code": "request_too_large",
                                     "message": _("The request body is too large.")}]},
                        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, PermissionDenied):
        return Response({"errors": [{"field": exc.field, "code": exc.code,
                                     "message": exc.message}]}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ApplicationError):
        body = {"field": exc.field, "code": exc.code, "message": exc.message}
        return Response({"errors": [body]}, status=_application_error_status(exc, context))
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        errors = [{"field": None, "code": getattr(detail, "code", None) or exc.default_code,
                   "message": str(detail)}]
    response.data = {"errors": errors}
    return response

"""Helpers of the server-rendered pages of every app: a clock as the pages write it, a list's
query string, a safe `next`, a form's errors in one message, and the one bridge from a service's
refusal (`ApplicationError`, `PermissionDenied`) to what the page shows.

Nothing here knows a feature app: the apps' views call down to it.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import QueryDict
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from coordination.core.errors import ApplicationError
from coordination.core.errors import PermissionDenied as NotAllowed
from coordination.core.forms import add_application_error

# Clocks --------------------------------------------------------------------------------------


def duration_text(seconds: float) -> str:
    """"45 s", "12 min", "2 h 5 min", "3 d 4 h": static/js/leads.js writes the same."""
    seconds = int(abs(seconds))
    if seconds < 60:
        return _("{n} s").replace("{n}", str(seconds))
    minutes = seconds // 60
    if minutes < 60:
        return _("{n} min").replace("{n}", str(minutes))
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        parts = [_("{n} h").replace("{n}", str(hours))]
        if minutes:
            parts.append(_("{n} min").replace("{n}", str(minutes)))
        return " ".join(parts)
    days, hours = divmod(hours, 24)
    parts = [_("{n} d").replace("{n}", str(days))]
    if hours:
        parts.append(_("{n} h").replace("{n}", str(hours)))
    return " ".join(parts)


def countdown(deadline: datetime.datetime | None, now: datetime.datetime) -> dict | None:
    """A deadline as a page shows it before static/js/leads.js takes over: "in 12 min",
    "overdue by 2 h"; None without a deadline."""
    if deadline is None:
        return None
    seconds = (deadline - now).total_seconds()
    overdue = seconds <= 0
    template = _("overdue by {time}") if overdue else _("in {time}")
    return {"deadline": deadline, "iso": deadline.isoformat(), "overdue": overdue,
            "text": template.replace("{time}", duration_text(seconds))}


# Addresses -----------------------------------------------------------------------------------


def page_query(params: QueryDict) -> str:
    """The query string of a list without its page number, for the page links."""
    query = params.copy()
    query.pop("page", None)
    return query.urlencode()


def safe_next(request, default: str) -> str:
    """The `next` the request names (POST, then GET) if it stays on this site, else
    `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


# Errors --------------------------------------------------------------------------------------


def error_summary(intro: str, form: forms.BaseForm) -> str:
    """"The follow-up was not saved. Next step date: The date must be in the future." """
    parts = [intro]
    for name, errors in form.errors.items():
        text = " ".join(str(error) for error in errors)
        field = form.fields.get(name)
        parts.append(_("%(field)s: %(errors)s") % {"field": field.label, "errors": text}
                     if field is not None else text)
    return " ".join(parts)


@dataclass(frozen=True)
class ServiceCall:
    """What `call_service` did: true when the service went through, with what it returned."""

    ok: bool
    result: Any = None
    error: ApplicationError | None = None

    def __bool__(self) -> bool:
        return self.ok


def call_service(request, service, /, *, form: forms.BaseForm | None = None,
                 deny_with_403: bool = True, **kwargs) -> ServiceCall:
    """Call `service(**kwargs)` for a page: the one bridge from a service's refusal to what
    the page shows, so that views hold no try/except of their own.

    - `PermissionDenied` (the actor may not do this) answers 403, as the page does for anyone
      who may not be there; with `deny_with_403=False` it is shown like any other refusal
      (where a refusal is an ordinary answer, such as claiming from a pool one may not claim
      from).
    - `ApplicationError` is shown on `form` (on its field if the form has it), or without a
      form as an error message, and the call returns false: the view then shows the form
      again, or redirects.
    """
    try:
        result = service(**kwargs)
    except NotAllowed as error:
        if deny_with_403:
            raise Forbidden(error.message) from None
        return _refused(request, form, error)
    except ApplicationError as error:
        return _refused(request, form, error)
    return ServiceCall(ok=True, result=result)


def _refused(request, form: forms.BaseForm | None, error: ApplicationError) -> ServiceCall:
    if form is not None:
        add_application_error(form, error)
    else:
        messages.error(request, error.message)
    return ServiceCall(ok=False, error=error)

"""Who is asking, as far as throttles and lockouts are concerned.

Behind `TRUSTED_PROXY_COUNT` reverse proxies the client is the address that the outermost
trusted proxy saw, counted from the right of X-Forwarded-For (the left part can be forged by the
client); with no proxy it is REMOTE_ADDR. The login lockout (django-axes) and the API throttles
(DRF's NUM_PROXIES, set from the same setting) agree on it.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                 if part.strip()]
    if not forwarded:
        return remote
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # "1.2.3.4:5678", a name, garbage: not an address to count by
        return remote


def axes_client_ip(request) -> str:
    """AXES_CLIENT_IP_CALLABLE: the same address as the API throttles."""
    return client_ip(request)


def login_locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the lockout page in the site's layout and the reader's language,
    answered with 429 (or the same facts as JSON to a script)."""
    from django.http import JsonResponse
    from django.shortcuts import render
    from django.utils.translation import gettext as _

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        message = _("Too many wrong passwords: log-in is locked for %(minutes)s minutes.") % {
            "minutes": minutes}
        return JsonResponse({"errors": [{"field": None, "code": "locked_out",
                                         "message": message}], **context}, status=429)
    return render(request, "registration/locked_out.html", context, status=429)

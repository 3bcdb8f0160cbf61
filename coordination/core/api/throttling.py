"""API throttling: per API key, per signed-in person, per address for anonymous callers.

The rates are read from `settings.API_THROTTLE_RATES` at each request (DRF's own throttles
bind their rates when imported, which settings overrides in tests could not reach).
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from coordination.core.org.permissions import is_integration


class PrincipalRateThrottle(SimpleRateThrottle):
    scope = "api"

    def __init__(self):
        # The rate depends on who asks; it is chosen in allow_request.
        pass

    def _kind_and_ident(self, request) -> tuple[str, str]:
        user = request.user
        if is_integration(user):
            return "key", f"key:{user.api_key.pk}"
        if user is not None and user.is_authenticated:
            return "user", f"user:{user.pk}"
        return "anon", f"anon:{self.get_ident(request)}"

    def allow_request(self, request, view):
        kind, ident = self._kind_and_ident(request)
        self.rate = settings.API_THROTTLE_RATES[kind]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self._ident = ident
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return f"throttle:api:{self._ident}"

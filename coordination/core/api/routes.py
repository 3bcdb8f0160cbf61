"""The API's routes, filled by the apps from their AppConfig.ready().

An app registers a module (`api_route_register("leads.api_urls")`) that defines
`register(router)` (its resources, flat under /api/v1/), `urlpatterns` (paths the router
cannot express), or both. The project's `coordination/api_urls.py` builds /api/v1/ from them; the
core imports no app's views.
"""

from dataclasses import dataclass

from rest_framework.routers import DefaultRouter

from coordination.core.registry import Registry


@dataclass(frozen=True)
class RouteModule:
    module: str
    order: int = 500


API_ROUTES: Registry[RouteModule] = Registry("API routes", key=lambda entry: entry.module)


def api_route_register(module: str, *, order: int = 500) -> RouteModule:
    return API_ROUTES.register(RouteModule(module=module, order=order))


class Router(DefaultRouter):
    """Resources are found by their numeric id: any other id does not match a route, and
    answers 404 in the API's error format (coordination.core.web.errors) instead of reaching a
    query that would fail on it."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if not hasattr(viewset, "lookup_value_regex"):
            viewset = type(viewset.__name__, (viewset,), {"lookup_value_regex": "[0-9]+"})
        return super().get_lookup_regex(viewset, lookup_prefix)

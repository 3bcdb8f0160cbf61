"""The pages' routes, filled by the apps from their AppConfig.ready().

`page_route_register("leads/", "leads.urls")` mounts an app's URLconf under a prefix (its
`app_name` is the namespace); `page_route_register("leads/import/",
"leads.urls:import_urlpatterns", namespace="leads_import")` mounts a second list of the same
module. The project's `coordination/urls.py` includes them in order, so an app adds pages
without editing it.
"""

from dataclasses import dataclass
from importlib import import_module

from django.urls import include, path

from coordination.core.registry import Registry


@dataclass(frozen=True)
class PageRoute:
    prefix: str
    urlconf: str
    namespace: str | None = None
    # A longer prefix must come before a shorter one that would also match it.
    order: int = 500


PAGE_ROUTES: Registry[PageRoute] = Registry("page routes", key=lambda route: route.prefix)


def page_route_register(prefix: str, urlconf: str, *, namespace: str | None = None,
                        order: int = 500) -> PageRoute:
    return PAGE_ROUTES.register(PageRoute(prefix=prefix, urlconf=urlconf, namespace=namespace,
                                          order=order))


def page_urlpatterns() -> list:
    """One `path(prefix, include(...))` per registered route, in order."""
    patterns = []
    for route in PAGE_ROUTES:
        if ":" in route.urlconf:
            module, attribute = route.urlconf.split(":", 1)
            target = (getattr(import_module(module), attribute), route.namespace)
            patterns.append(path(route.prefix, include(target)))
        else:
            patterns.append(path(route.prefix, include(route.urlconf, namespace=route.namespace)))
    return patterns

"""/api/v1/: the resources every installed app registered (coordination.core.api.routes), on
one router, flat under the version prefix."""

from importlib import import_module

from coordination.core.api.routes import API_ROUTES, Router

router = Router()
urlpatterns: list = []
for entry in API_ROUTES:
    module = import_module(entry.module)
    if hasattr(module, "register"):
        module.register(router)
    # Paths the router cannot express come before the router's own.
    urlpatterns += getattr(module, "urlpatterns", [])
urlpatterns += router.urls

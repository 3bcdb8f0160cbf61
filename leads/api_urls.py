"""API resources of the leads app, registered on the project's /api/v1/ router."""

# Paths the router cannot express (for example leads/bulk) go here.
extra_urlpatterns: list = []


def register(router) -> None:
    """Register the leads resources on `router`."""

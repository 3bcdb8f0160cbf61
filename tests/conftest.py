import pytest


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read English unless they switch; the product default is Chinese."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


# Fake DNS, a loopback-only connect guard and a loopback webhook receiver, for every test that
# may reach the webhook code (tests/network.py).
from tests.network import dns, receiver  # noqa: E402, F401

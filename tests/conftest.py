import pytest


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read English unless they switch; the product default is Chinese."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _celery_join_flag_restored():
    """Celery keeps "a task is running here, do not wait for results" in one process-wide flag,
    which Task.apply() sets and restores around each eager task. Eager tasks run by several
    threads at once (the concurrency tests) can restore it out of order and leave it set, and
    every later `result.get()` in this process then refuses to wait (the real-worker round
    trip). Each test starts and ends with the flag as it found it."""
    from celery._state import _set_task_join_will_block, task_join_will_block

    before = task_join_will_block()
    yield
    _set_task_join_will_block(before)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


# Fake DNS, a loopback-only connect guard and a loopback webhook receiver, for every test that
# may reach the webhook code (tests/network.py).
from tests.network import dns, receiver  # noqa: E402, F401

"""Values read once per request or task, not once per record.

A settings row (the leads settings, the quality settings) is read by every intake, every
permission question under blind review, every row of an import. Inside a scope (each web
request, opened by RequestCacheMiddleware; each Celery task, opened by the project's Celery
app) `cached(key, load)` runs `load` once and keeps its answer until the scope ends; outside a
scope (a shell, a management command, a test calling a service) it simply loads. A service that
saves such a row calls `forget_prefix(key)` so that the rest of its own request reads the new value;
other requests open their own scope and read it fresh, so no process holds a stale copy.
"""

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_scope: ContextVar[dict | None] = ContextVar("tandem_request_cache", default=None)


@contextlib.contextmanager
def request_cache_scope() -> Iterator[dict]:
    """Open a scope; the values cached in it are dropped when it closes."""
    token = _scope.set({})
    try:
        yield _scope.get()
    finally:
        _scope.reset(token)


def cached(key: str, load: Callable[[], T]) -> T:
    scope = _scope.get()
    if scope is None:
        return load()
    if key not in scope:
        scope[key] = load()
    return scope[key]


def forget_prefix(key: str) -> None:
    """Drop `key` and every key below it (`key.something`) from the current scope."""
    scope = _scope.get()
    if scope is not None:
        for name in [name for name in scope if name == key or name.startswith(f"{key}.")]:
            del scope[name]


class RequestCacheMiddleware:
    """One cache scope per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_cache_scope():
            return self.get_response(request)

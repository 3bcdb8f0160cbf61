"""What the event outbox knows: the event types the apps emit, and the consumers that read
committed events. Both are filled from AppConfig.ready(): an app names its events with
`event_type_register`; a consumer (webhook delivery is the first) registers with
`event_consumer_register`, so the outbox imports none of them."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from coordination.core.apikeys.scopes import is_known_scope
from coordination.core.registry import Registry

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class EventType:
    name: str
    description: object
    # The API-key scope that reads what the event carries (e.g. "quality:read" for disputes);
    # None says the event carries nothing beyond what its consumer's own scope allows.
    scope: str | None


@dataclass(frozen=True)
class EventConsumer:
    key: str
    # Called with a committed event's id, after the commit. It must be idempotent (an event
    # may be offered twice: by the after-commit hand-over and by its consumer's sweep).
    consume: Callable[[int], object]


EVENT_TYPES: Registry[EventType] = Registry("event types", key=lambda event: event.name)
EVENT_CONSUMERS: Registry[EventConsumer] = Registry("event consumers",
                                                    key=lambda consumer: consumer.key)


def event_type_register(name: str, description, *, scope: str | None) -> EventType:
    """Name an event the app emits with `event_emit`. `scope` must be given, so that no event
    is offered to every integration by oversight."""
    if not EVENT_NAME.match(name):
        raise ValueError(f"Not an event name: {name!r}")
    if scope is not None and not is_known_scope(scope):
        raise ValueError(f"Unknown scope {scope!r} for the event {name!r}: register it first")
    return EVENT_TYPES.register(EventType(name=name, description=description, scope=scope))


def event_consumer_register(key: str, consume: Callable[[int], object]) -> EventConsumer:
    return EVENT_CONSUMERS.register(EventConsumer(key=key, consume=consume))

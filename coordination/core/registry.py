"""A registry: what apps plug into the core.

The core offers several (navigation, home sections, API and page routes, periodic schedules,
event types and consumers, permission rules); each app fills them from its
`AppConfig.ready()`, so that the core never imports an app and adding an app edits no core
file. Entries are kept in the order of their `order` key, then of registration.
"""

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, name: str, *, key: Callable[[T], str]) -> None:
        self.name = name
        self._key = key
        self._entries: dict[str, T] = {}

    def register(self, entry: T) -> T:
        """Add `entry`. Registering the same key again replaces the entry in its place (ready()
        may run twice in tests); a key is one thing."""
        self._entries[self._key(entry)] = entry
        return entry

    def get(self, key: str) -> T | None:
        return self._entries.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(sorted(self._entries.values(), key=lambda entry: getattr(entry, "order", 0)))

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[str]:
        return [self._key(entry) for entry in self]

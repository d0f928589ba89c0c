"""A tiny synchronous publish/subscribe: handlers run in the publisher's session and transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

Handler = Callable[[Session, object], None]
_handlers: dict[type, list[Handler]] = defaultdict(list)


@dataclass(frozen=True)
class Event:
    """Base class of every domain event."""


def subscribe(event_type: type, handler: Handler) -> None:
    """Register a handler once; registering the same handler again is a no-op."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def publish(session: Session, event: object) -> None:
    """Call every handler of this event type (and its base types) in registration order."""
    for event_type in type(event).__mro__:
        for handler in list(_handlers.get(event_type, ())):
            handler(session, event)


def clear() -> None:
    """Forget every handler (used by tests that build apps from scratch)."""
    _handlers.clear()

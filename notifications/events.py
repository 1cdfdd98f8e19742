"""Event types: what can be notified, and its translatable text per channel.

Each app declares its events in its own ``notification_events.py`` (imported by its
``AppConfig.ready()``) with ``register(EventType(...))``. Texts are lazy translations with
``%(name)s`` placeholders filled from the context passed to ``notify()``; they are rendered in the
recipient's preferred language.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    key: str  # "workorder.dispatched": app, dot, what happened
    label: str  # shown in notification preferences
    title: str  # in-app title and email subject
    body: str  # in-app and email body
    sms: str = ""  # short text for SMS; empty means the event is never sent by SMS
    urgent: bool = False  # urgent notices ignore preferences and quiet hours
    default_channels: tuple[str, ...] = ("inapp",)


class UnknownEvent(LookupError):
    pass


_REGISTRY: dict[str, EventType] = {}


def register(event: EventType) -> EventType:
    _REGISTRY[event.key] = event
    return event


def get(key: str) -> EventType:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise UnknownEvent(f"No notification event {key!r}; register it in the app's notification_events.py.") from None


def all_events() -> list[EventType]:
    return sorted(_REGISTRY.values(), key=lambda e: e.key)

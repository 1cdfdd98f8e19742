"""``notify()``: the one entry point every app uses to tell people something."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation

from . import events
from .models import Notification


def _json_safe(context: dict) -> dict:
    return {key: value if isinstance(value, (int, bool, type(None))) else str(value) for key, value in context.items()}


def render(event: events.EventType, text: str, context: dict, language: str) -> str:
    """One of the event's texts in ``language`` with the context filled in."""
    if not text:
        return ""
    with translation.override(language):
        return str(text) % context if context else str(text)


def notify(recipients: Iterable, event: str, context: dict | None = None, *, url: str = "") -> list[Notification]:
    """Tell each recipient (users) that ``event`` happened; returns the in-app notifications made.

    ``context`` fills the event's ``%(name)s`` placeholders; ``url`` is where the notification
    leads. Unknown events raise ``UnknownEvent``, so a typo fails in tests, not in silence.
    """
    event_type = events.get(event)
    context = dict(context or {})
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
        rows.append(
            Notification(
                recipient=user,
                event=event_type.key,
                title=render(event_type, event_type.title, context, language)[:200],
                body=render(event_type, event_type.body, context, language),
                url=url,
                urgent=event_type.urgent,
                context=_json_safe(context),
            )
        )
    return Notification.objects.bulk_create(rows)

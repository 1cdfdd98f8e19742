"""The resident's ways into each app: a link on "My home" and, for the main ones, in the site menu.

Apps register their entries from ``AppConfig.ready()`` so that the site shell does not import
every app. ``for_user`` keeps only the entries the user can use (a household, staff).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Shortcut:
    key: str
    label: str  # a lazy translation
    url_name: str
    order: int = 100
    in_nav: bool = False
    needs_household: bool = True

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_REGISTRY: dict[str, Shortcut] = {}


def register(shortcut: Shortcut) -> None:
    _REGISTRY[shortcut.key] = shortcut


def for_user(has_household: bool) -> list[Shortcut]:
    entries = []
    for shortcut in sorted(_REGISTRY.values(), key=lambda s: (s.order, s.key)):
        if shortcut.needs_household and not has_household:
            continue
        try:
            shortcut.url  # noqa: B018 - an app whose URLs are not mounted is skipped
        except NoReverseMatch:
            continue
        entries.append(shortcut)
    return entries

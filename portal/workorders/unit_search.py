"""The front desk's household search: a building and unit number, or the tail of an owner's phone.

"3-1201", "3 1201", "3栋1201" or "3号楼 1201" find building 3, unit 1201; "1201" finds unit numbers
containing it; four or more digits also match the last digits of a resident owner's phone. Only the
offices the clerk works for are searched.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from portal.people.models import ResidentMembership, ResidentRole
from portal.properties.models import Unit

from . import access

LIMIT = 20
MIN_PHONE_TAIL = 4
BUILDING_SUFFIXES = ("号楼", "栋", "幢", "座", "号")
_SEPARATORS = re.compile(r"\s*(?:-|—|/|\s|栋|幢|号楼|座)\s*")


def scoped_units(user) -> QuerySet[Unit]:
    units = Unit.objects.select_related("building__community")
    ids = access.board_office_ids(user)
    return units if ids is None else units.filter(building__community__office_id__in=ids)


def _query(text: str) -> Q | None:
    text = " ".join((text or "").split())
    if not text:
        return None
    parts = [p for p in _SEPARATORS.split(text, maxsplit=1) if p]
    if len(parts) == 2:
        building, number = parts[0].removesuffix("号"), parts[1].lstrip("-—/ ")
        names = [building, *(building + suffix for suffix in BUILDING_SUFFIXES)]
        by_place = Q(building__name__in=names) & Q(number__istartswith=number)
    else:
        text = parts[0] if parts else text
        names = [text, *(text + suffix for suffix in BUILDING_SUFFIXES)]
        by_place = Q(number__icontains=text) | Q(building__name__in=names)
    digits = re.sub(r"\D", "", text)
    if digits == text.replace(" ", "") and len(digits) >= MIN_PHONE_TAIL:
        owners = ResidentMembership.objects.active().filter(role=ResidentRole.OWNER, user__phone__endswith=digits)
        return by_place | Q(pk__in=owners.values("unit_id"))
    return by_place


def search(user, text: str, limit: int = LIMIT) -> list[Unit]:
    """The user's offices' units matching ``text``, best first (exact unit number, then by building)."""
    query = _query(text)
    if query is None:
        return []
    units = list(
        scoped_units(user).filter(query).order_by("building__community__name", "building__name", "number")[: limit * 3]
    )
    exact = text.strip().lower()
    units.sort(key=lambda u: u.label.lower() != exact and u.number.lower() != exact)
    return units[:limit]


def owner_hints(units: list[Unit]) -> dict[int, str]:
    """A hint per unit for the clerk to confirm the caller: the owners' names and phone tails."""
    hints: dict[int, list[str]] = {}
    memberships = (
        ResidentMembership.objects.active()
        .filter(unit__in=units, role=ResidentRole.OWNER)
        .select_related("user")
        .order_by("pk")
    )
    for membership in memberships:
        user = membership.user
        tail = f" ···{user.phone[-4:]}" if user.phone else ""
        hints.setdefault(membership.unit_id, []).append(f"{user.full_name or user.email or ''}{tail}".strip())
    return {unit_id: ", ".join(names[:3]) for unit_id, names in hints.items()}


def as_json(units: list[Unit]) -> list[dict]:
    hints = owner_hints(units)
    return [{"id": u.pk, "label": f"{u.building.community.name} {u.label}", "hint": hints.get(u.pk, "")} for u in units]

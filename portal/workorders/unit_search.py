"""The repair desk's household search (the shared rule of ``portal.properties.household_search``), scoped to
the offices whose board the clerk works, with a hint per unit for confirming the caller."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.people.models import ResidentMembership, ResidentRole
from portal.properties import household_search
from portal.properties.models import Unit

from . import access

LIMIT = household_search.LIMIT


def scoped_units(user) -> QuerySet[Unit]:
    units = Unit.objects.select_related("building__community")
    ids = access.board_office_ids(user)
    return units if ids is None else units.filter(building__community__office_id__in=ids)


def search(user, text: str, limit: int = LIMIT) -> list[Unit]:
    """The user's offices' units matching ``text``, best first."""
    return household_search.search(scoped_units(user), text, limit)


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

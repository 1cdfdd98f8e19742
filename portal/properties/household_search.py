"""Finding a household at a desk: one rule for every desk screen (repairs, clubhouse, special services).

What a clerk types for a caller: "1201" (unit numbers containing it), "3-1201", "3 1201", "3栋1201" or
"3号楼 1201" (building 3, unit 1201), a resident's name or e-mail, the last four digits of a resident's phone
or seven digits anywhere in it. Each screen passes the units its user may see (office-scoped), so the
search never widens what a screen shows.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from portal.people.models import ResidentMembership, ResidentRole

from .models import Unit

LIMIT = 20
MIN_PHONE_TAIL = 4  # digits: matched against the end of a resident's phone
MIN_PHONE_PART = 7  # digits: matched anywhere in it
BUILDING_SUFFIXES = ("号楼", "栋", "幢", "座", "号")
_SEPARATORS = re.compile(r"\s*(?:-|—|/|\s|栋|幢|号楼|座)\s*")
ROLE_ORDER = {ResidentRole.OWNER: 0, ResidentRole.TENANT: 1, ResidentRole.FAMILY: 2}


def _building_names(name: str) -> list[str]:
    return [name, *(name + suffix for suffix in BUILDING_SUFFIXES)]


def matching(text: str) -> Q | None:
    """The units ``text`` describes, as a filter on ``Unit``; None for empty text."""
    text = " ".join((text or "").split())[:60]
    if not text:
        return None
    parts = [part for part in _SEPARATORS.split(text, maxsplit=1) if part]
    if len(parts) == 2 and any(char.isdigit() for char in parts[1]):  # "Chen Hua" is a name, not a place
        building, number = parts[0].removesuffix("号"), parts[1].lstrip("-—/ ")
        return Q(building__name__in=_building_names(building)) & Q(number__istartswith=number)
    place = Q(number__icontains=text) | Q(building__name__in=_building_names(text))
    who = Q(user__full_name__icontains=text) | Q(user__email__iexact=text)
    digits = re.sub(r"\D", "", text)
    if digits and len(digits) >= MIN_PHONE_TAIL and not re.sub(r"[\d\s+()-]", "", text):
        who |= Q(user__phone__contains=digits) if len(digits) >= MIN_PHONE_PART else Q(user__phone__endswith=digits)
    residents = ResidentMembership.objects.active().filter(who)
    return place | Q(pk__in=residents.values("unit_id"))


def search(units: QuerySet[Unit], text: str, limit: int = LIMIT) -> list[Unit]:
    """The ``units`` matching ``text``, best first: an exact unit number or label, then by community and building."""
    query = matching(text)
    if query is None:
        return []
    found = list(
        units.filter(query)
        .select_related("building__community")
        .order_by("building__community__name", "building__name", "number")[: limit * 3]
    )
    exact = " ".join(text.split()).lower()
    found.sort(key=lambda unit: unit.label.lower() != exact and unit.number.lower() != exact)
    return found[:limit]


def resident_names(units) -> dict[int, list[str]]:
    """Who lives in each unit now (owners first), for the clerk to confirm who is calling; one query."""
    names: dict[int, list[str]] = {unit.pk: [] for unit in units}
    memberships = sorted(
        ResidentMembership.objects.active().filter(unit__in=units).select_related("user").order_by("pk"),
        key=lambda membership: ROLE_ORDER.get(membership.role, 9),
    )
    for membership in memberships:
        user = membership.user
        names[membership.unit_id].append(user.full_name or user.email or user.phone or "")
    return names

"""Who a household is on paper: its community, unit and the names of the people living there."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils import timezone

from portal.people.models import ResidentMembership, ResidentRole

ROLE_ORDER = {ResidentRole.OWNER: 0, ResidentRole.TENANT: 1, ResidentRole.FAMILY: 2}


def resident_names(unit_ids, on: datetime.date | None = None) -> dict[int, list[str]]:
    """Names of each unit's residents on a day (owners first, then tenants), in one query.

    Family members are named only when nobody else lives there, so a paper says who pays.
    """
    on = on or timezone.localdate()
    rows = (
        ResidentMembership.objects.active(on)
        .filter(unit_id__in=list(unit_ids))
        .select_related("user")
        .order_by("unit_id", "start_date", "pk")
    )
    by_unit = defaultdict(list)
    for membership in rows:
        by_unit[membership.unit_id].append(membership)
    names = {}
    for unit_id, memberships in by_unit.items():
        memberships.sort(key=lambda m: ROLE_ORDER.get(m.role, 9))
        payers = [m for m in memberships if m.role != ResidentRole.FAMILY] or memberships
        # Only real names: a paper pushed under a door should not carry anyone's e-mail or phone.
        names[unit_id] = list(dict.fromkeys(m.user.full_name for m in payers if m.user.full_name))
    return names


def household_label(unit) -> str:
    return f"{unit.building.community.name} {unit.label}"

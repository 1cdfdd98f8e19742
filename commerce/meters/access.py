"""Who works with meters: billing clerks and office managers of the office (and headquarters)."""

from __future__ import annotations

from wagtail.permission_policies.base import ModelPermissionPolicy

from portal.access import has_staff_role, office_ids_with_role
from portal.people.models import StaffRole

METER_ROLES = (StaffRole.BILLING_CLERK, StaffRole.OFFICE_MANAGER)


def meter_office_ids(user) -> set[int] | None:
    """Offices whose meters the user manages; ``None`` means every office (superuser)."""
    return office_ids_with_role(user, METER_ROLES)


def may_use_meters(user) -> bool:
    ids = meter_office_ids(user)
    return ids is None or bool(ids)


def scope_for_meters(user, queryset, path: str):
    """Narrow ``queryset`` to the offices where the user manages meters (``path`` leads to the office)."""
    ids = meter_office_ids(user)
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


class MeterRolePolicy(ModelPermissionPolicy):
    """Meter screens follow the staff roles (as billing runs do), not per-model Django permissions."""

    def user_has_permission(self, user, action):
        return getattr(user, "is_active", False) and has_staff_role(user, METER_ROLES)

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)

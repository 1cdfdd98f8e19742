"""Who edits the menu (office managers) and who handles orders (front desk, housekeepers, managers)."""

from __future__ import annotations

from wagtail.permission_policies.base import ModelPermissionPolicy

from portal.access import has_staff_role, office_ids_with_role

from .services import CATALOGUE_ROLES, ORDER_ROLES


def catalogue_office_ids(user) -> set[int] | None:
    return office_ids_with_role(user, CATALOGUE_ROLES)


def may_edit_catalogue(user) -> bool:
    ids = catalogue_office_ids(user)
    return ids is None or bool(ids)


def scope_catalogue(user, queryset, path: str = "office"):
    ids = catalogue_office_ids(user)
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def order_office_ids(user) -> set[int] | None:
    return office_ids_with_role(user, ORDER_ROLES)


class CatalogueRolePolicy(ModelPermissionPolicy):
    """The menu's screens follow the staff roles, not per-model Django permissions."""

    def user_has_permission(self, user, action):
        return getattr(user, "is_active", False) and has_staff_role(user, CATALOGUE_ROLES)

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)

"""Who runs owners' meetings in the back office.

Office managers (and headquarters) create, announce, close, count and publish; front desk and
housekeepers of the office also see meetings, enter and confirm paper ballots and check proxies.
"""

from __future__ import annotations

from wagtail.permission_policies.base import ModelPermissionPolicy

from portal.access import has_staff_role, office_ids_with_role

from .services import CLERK_ROLES, MANAGER_ROLES


def voting_office_ids(user) -> set[int] | None:
    return office_ids_with_role(user, CLERK_ROLES)


def may_use_voting(user) -> bool:
    ids = voting_office_ids(user)
    return ids is None or bool(ids)


def may_create_meetings(user) -> bool:
    ids = office_ids_with_role(user, MANAGER_ROLES)
    return ids is None or bool(ids)


def scope_meetings(user, queryset, path: str = "community__office"):
    ids = voting_office_ids(user)
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


class VotingRolePolicy(ModelPermissionPolicy):
    """Unit areas for voting are kept by office managers (and headquarters), not per-model permissions."""

    def user_has_permission(self, user, action):
        return getattr(user, "is_active", False) and has_staff_role(user, MANAGER_ROLES)

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)

"""What each staff role may do, as Django permissions carried by one group per role.

Data scoping (which office) is decided by ``portal.access``; these permissions only decide which
screens and operations a role has at all. ``sync_staff_groups(user)`` puts a user into exactly the
role groups of their active staff memberships. It is idempotent and safe to call any time.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from .models import StaffMembership, StaffRole

# Group names are stable codenames; screens show ``StaffRole`` labels, which are translated.
GROUP_PREFIX = "role:"

ADMIN_ACCESS = "wagtailadmin.access_admin"
PROPERTY_TREE_VIEW = [
    f"properties.view_{model}"
    for model in ("company", "region", "office", "community", "building", "grid", "unit", "parkingspace")
]


def _crud(app_model: str, actions=("add", "change", "view", "delete")) -> list[str]:
    app, model = app_model.split(".")
    return [f"{app}.{action}_{model}" for action in actions]


BILLING_SETUP = [
    *_crud("billing.chargeitem"),
    *_crud("billing.chargestandard"),
    *_crud("billing.standardtier"),
    *_crud("billing.unitstandardassignment"),
]

# "app.*" means every permission of that app (except those in PERMISSION_EXCLUDES).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    StaffRole.HEADQUARTERS: [
        ADMIN_ACCESS,
        "properties.*",
        "people.*",
        "audit.view_auditentry",
        "billing.*",
        *_crud("wagtailimages.image", ("add", "change", "delete", "choose")),
        *_crud("wagtaildocs.document", ("add", "change", "delete", "choose")),
    ],
    StaffRole.OFFICE_MANAGER: [
        ADMIN_ACCESS,
        *_crud("properties.building"),
        *_crud("properties.grid"),
        *_crud("properties.unit"),
        *_crud("properties.parkingspace"),
        "properties.view_company",
        "properties.view_region",
        "properties.view_community",
        "properties.view_office",
        *_crud("people.invitation"),
        *_crud("people.joinrequest"),
        *_crud("people.residentmembership"),
        *_crud("people.staffmembership"),
        "audit.view_auditentry",
        *BILLING_SETUP,
    ],
    StaffRole.FRONT_DESK: [
        ADMIN_ACCESS,
        *PROPERTY_TREE_VIEW,
        "people.add_invitation",
        "people.view_invitation",
        "people.change_invitation",  # revoking a code handed out by mistake
        "people.view_joinrequest",
        "people.change_joinrequest",
        "people.view_residentmembership",
    ],
    StaffRole.BILLING_CLERK: [ADMIN_ACCESS, *PROPERTY_TREE_VIEW, *BILLING_SETUP],
    StaffRole.TECHNICIAN: [ADMIN_ACCESS, *PROPERTY_TREE_VIEW],
}
ROLE_PERMISSIONS[StaffRole.HOUSEKEEPER] = list(ROLE_PERMISSIONS[StaffRole.FRONT_DESK])

# Wagtail's own user screens are not office-scoped, so no role gets the user model's permissions;
# staff accounts are managed through the Staff screen instead.
PERMISSION_EXCLUDES = {"people.add_user", "people.change_user", "people.delete_user", "people.view_user"}

# Page permissions per role, by where they apply: "root" (the whole site) or "sections" (the news and
# notice indexes, where office staff publish for their own communities; which community is checked by
# frontend's page hooks through portal.access).
SECTION_EDITING = ["add_page", "change_page", "publish_page"]
ROLE_PAGE_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    StaffRole.HEADQUARTERS: {"root": ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]},
    StaffRole.OFFICE_MANAGER: {"sections": SECTION_EDITING},
    StaffRole.FRONT_DESK: {"sections": SECTION_EDITING},
    StaffRole.HOUSEKEEPER: {"sections": SECTION_EDITING},
}


def group_name(role: str) -> str:
    return f"{GROUP_PREFIX}{role}"


def permissions_for(role: str) -> list[Permission]:
    """Resolve a role's permission strings to ``Permission`` rows (unknown names are skipped)."""
    query = Q(pk__in=[])
    for name in ROLE_PERMISSIONS.get(role, []):
        app_label, codename = name.split(".", 1)
        if codename == "*":
            query |= Q(content_type__app_label=app_label)
        else:
            query |= Q(content_type__app_label=app_label, codename=codename)
    perms = Permission.objects.filter(query).select_related("content_type")
    return [p for p in perms if f"{p.content_type.app_label}.{p.codename}" not in PERMISSION_EXCLUDES]


def _pages_for(target: str):
    from wagtail.models import Page

    if target == "root":
        root = Page.get_first_root_node()
        return [root] if root else []
    from frontend.models import NewsIndexPage, NoticeIndexPage

    return [*NewsIndexPage.objects.all(), *NoticeIndexPage.objects.all()]


def _sync_page_permissions(group: Group, role: str) -> None:
    from wagtail.models import GroupPagePermission

    wanted = set()
    for target, codenames in ROLE_PAGE_PERMISSIONS.get(role, {}).items():
        permissions = Permission.objects.filter(content_type__app_label="wagtailcore", codename__in=codenames)
        wanted |= {(page.pk, permission.pk) for page in _pages_for(target) for permission in permissions}
    existing = set(GroupPagePermission.objects.filter(group=group).values_list("page_id", "permission_id"))
    stale = existing - wanted
    for page_id, permission_id in stale:
        GroupPagePermission.objects.filter(group=group, page_id=page_id, permission_id=permission_id).delete()
    GroupPagePermission.objects.bulk_create(
        [GroupPagePermission(group=group, page_id=page, permission_id=perm) for page, perm in wanted - existing]
    )


def ensure_role_groups(roles=None) -> dict[str, Group]:
    """Create or update one group per staff role (default: all) with exactly that role's permissions."""
    groups = {}
    with transaction.atomic():
        for role in StaffRole.values if roles is None else roles:
            group, _created = Group.objects.get_or_create(name=group_name(role))
            group.permissions.set(permissions_for(role))
            _sync_page_permissions(group, role)
            groups[role] = group
    return groups


def sync_staff_groups(user) -> None:
    """Set ``user``'s role groups to those of their active staff memberships; other groups stay."""
    active_roles = set(StaffMembership.objects.active().filter(user=user).values_list("role", flat=True))
    groups = ensure_role_groups(active_roles)
    wanted = {groups[role] for role in active_roles}
    current_role_groups = set(user.groups.filter(name__startswith=GROUP_PREFIX))
    to_remove = current_role_groups - wanted
    to_add = wanted - current_role_groups
    if to_remove:
        user.groups.remove(*to_remove)
    if to_add:
        user.groups.add(*to_add)
    # Django caches permissions on the user object.
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)


def sync_all_staff_groups() -> int:
    """Re-sync every user with a staff membership, past or present (e.g. nightly, or after a deploy)."""
    from django.contrib.auth import get_user_model

    ensure_role_groups()
    users = get_user_model().objects.filter(staff_memberships__isnull=False).distinct()
    count = 0
    for user in users:
        sync_staff_groups(user)
        count += 1
    return count

"""Who may see or change what. The only place that answers these questions.

Residents reach only the units of their active memberships; staff reach only the offices of
their active staff memberships; headquarters reach every office of their company. Views and
back-office screens call these helpers instead of filtering by hand.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from portal.people.models import Invitation, JoinRequest, ResidentMembership, StaffMembership, StaffRole
from portal.properties.models import Building, Community, Grid, Office, ParkingSpace, Unit

# How each scoped model reaches its office. Apps register their own models with
# ``register_office_path`` so that ``scope_to_offices`` works for them too.
OFFICE_PATHS: dict[type[Model], str] = {
    Office: "pk",
    Community: "office",
    Building: "community__office",
    Grid: "community__office",
    Unit: "building__community__office",
    ParkingSpace: "community__office",
    ResidentMembership: "unit__building__community__office",
    Invitation: "unit__building__community__office",
    JoinRequest: "unit__building__community__office",
    StaffMembership: "office",
}


def register_office_path(model: type[Model], path: str) -> None:
    OFFICE_PATHS[model] = path


def office_path(model: type[Model]) -> str:
    try:
        return OFFICE_PATHS[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no office path; call register_office_path().") from None


def _cache(user, key, compute):
    """Memoise per user object for the life of the request (the user is per request)."""
    store = user.__dict__.setdefault("_linli_access_cache", {})
    if key not in store:
        store[key] = compute()
    return store[key]


def _active_staff(user):
    if not getattr(user, "is_authenticated", False):
        return []
    return _cache(
        user,
        "staff",
        lambda: list(StaffMembership.objects.active().filter(user=user).select_related("office__region")),
    )


def active_staff_memberships(user) -> list[StaffMembership]:
    """The user's current staff roles (cached for the request)."""
    return list(_active_staff(user))


def is_staff_member(user) -> bool:
    """True for anyone with an active staff role (or a platform superuser)."""
    return bool(getattr(user, "is_superuser", False)) or bool(_active_staff(user))


def is_headquarters(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(
        m.role == StaffRole.HEADQUARTERS for m in _active_staff(user)
    )


def staff_roles(user, office: Office | int | None = None) -> set[str]:
    """The user's active roles, in one office when given.

    A headquarters role counts in every office of its own company, and in no other company's.
    """
    office_id = office.pk if isinstance(office, Office) else office
    roles = set()
    for m in _active_staff(user):
        headquarters_of_this_office = m.office_id is None and office_id in (staff_office_ids(user) or ())
        if office_id is None or m.office_id == office_id or headquarters_of_this_office:
            roles.add(m.role)
    return roles


def has_staff_role(user, roles: Iterable[str], office: Office | int | None = None) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    wanted = set(roles) | {StaffRole.HEADQUARTERS}
    return bool(staff_roles(user, office) & wanted)


def staff_office_ids(user) -> set[int] | None:
    """Office ids the user works in; ``None`` means every office (superuser).

    Headquarters get every office of their companies.
    """
    if getattr(user, "is_superuser", False):
        return None

    def compute():
        ids = {m.office_id for m in _active_staff(user) if m.office_id}
        hq_companies = {m.company_id for m in _active_staff(user) if m.role == StaffRole.HEADQUARTERS}
        if hq_companies:
            ids |= set(Office.objects.filter(region__company_id__in=hq_companies).values_list("pk", flat=True))
        return ids

    return _cache(user, "office_ids", compute)


def office_ids_with_role(user, roles: Iterable[str]) -> set[int] | None:
    """Offices where the user holds one of ``roles``; ``None`` means every office (superuser).

    Headquarters count as holding every role in every office of their companies.
    """
    if getattr(user, "is_superuser", False):
        return None
    wanted = set(roles)
    ids = {m.office_id for m in _active_staff(user) if m.office_id and m.role in wanted}
    if companies := headquarters_company_ids(user):
        ids |= _cache(
            user,
            "hq_office_ids",
            lambda: set(Office.objects.filter(region__company_id__in=companies).values_list("pk", flat=True)),
        )
    return ids


def can_view_audit_log(user) -> bool:
    """Office managers (for their offices) and headquarters (for their company) read the audit log."""
    return bool(getattr(user, "is_superuser", False)) or bool(
        headquarters_company_ids(user) or office_ids_with_role(user, [StaffRole.OFFICE_MANAGER])
    )


def scope_audit_entries(user, queryset: QuerySet) -> QuerySet:
    """Audit entries a user may read: their managed offices' entries, plus their company's for headquarters."""
    if getattr(user, "is_superuser", False):
        return queryset
    if not can_view_audit_log(user):
        return queryset.none()
    visible = Q(office_id__in=office_ids_with_role(user, [StaffRole.OFFICE_MANAGER]))
    if companies := headquarters_company_ids(user):
        visible |= Q(company_id__in=companies)
    return queryset.filter(visible)


def staff_offices(user) -> QuerySet[Office]:
    ids = staff_office_ids(user)
    qs = Office.objects.select_related("region__company")
    return qs if ids is None else qs.filter(pk__in=ids)


def scope_to_offices(user, queryset: QuerySet, path: str | None = None) -> QuerySet:
    """Restrict a queryset of any registered model to the offices the staff user works in."""
    ids = staff_office_ids(user)
    if ids is None:
        return queryset
    path = path or office_path(queryset.model)
    return queryset.filter(**{f"{path}__in" if path != "pk" else "pk__in": ids})


def can_staff_access_office(user, office: Office | int) -> bool:
    office_id = office.pk if isinstance(office, Office) else office
    ids = staff_office_ids(user)
    return ids is None or office_id in ids


def resident_memberships(user) -> QuerySet[ResidentMembership]:
    if not getattr(user, "is_authenticated", False):
        return ResidentMembership.objects.none()
    return ResidentMembership.objects.active().filter(user=user)


def resident_units(user) -> QuerySet[Unit]:
    """The units the user currently belongs to as owner, tenant or family member."""
    if not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    unit_ids = resident_memberships(user).values("unit_id")
    return Unit.objects.filter(pk__in=unit_ids).select_related("building__community__office", "grid__housekeeper")


def resident_owned_units(user) -> QuerySet[Unit]:
    unit_ids = resident_memberships(user).filter(role="owner").values("unit_id")
    return Unit.objects.filter(pk__in=unit_ids)


def visible_units(user) -> QuerySet[Unit]:
    """Units a user may look at: their households, plus every unit of their offices for staff."""
    if is_staff_member(user):
        staff_units = scope_to_offices(user, Unit.objects.all())
        return (staff_units | Unit.objects.filter(pk__in=resident_memberships(user).values("unit_id"))).distinct()
    return resident_units(user)


def get_unit_for_resident_or_404(user, unit_id) -> Unit:
    """A unit of the user's own households; anything else is a 404 (no hint that it exists)."""
    try:
        return resident_units(user).get(pk=unit_id)
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_for_staff_or_404(user, queryset: QuerySet, **lookup):
    """Fetch one object within the staff user's offices, else 404."""
    if not is_staff_member(user):
        raise Http404
    try:
        return scope_to_offices(user, queryset).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def headquarters_company_ids(user) -> set[int]:
    """Companies where the user works at headquarters."""
    return {m.company_id for m in _active_staff(user) if m.role == StaffRole.HEADQUARTERS}


def may_act_in_office(user, roles: Iterable[str], office: Office | int) -> bool:
    """True when the user holds one of ``roles`` (or headquarters) for this very office."""
    return can_staff_access_office(user, office) and has_staff_role(user, roles, office)


def require_staff_role(user, roles: Iterable[str], office: Office | int | None = None) -> None:
    if not has_staff_role(user, roles, office):
        raise PermissionDenied


def office_of(obj) -> Office | None:
    """The office an object belongs to, following its registered office path."""
    path = OFFICE_PATHS.get(type(obj))
    if path is None:
        return None
    if path == "pk":
        return obj
    target = obj
    for part in path.split("__"):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target

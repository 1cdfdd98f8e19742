"""Who sees which work orders (built on ``portal.access``).

Residents: the orders of their households. Technicians: the orders assigned to them, in offices where
they still work as technicians. Front desk, housekeepers and managers: every order of their offices.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from portal.access import may_act_in_office, office_ids_with_role, resident_units
from portal.people.models import StaffRole

from .models import WorkOrder

DESK_ROLES = (StaffRole.FRONT_DESK, StaffRole.HOUSEKEEPER, StaffRole.OFFICE_MANAGER)
MANAGER_ROLES = (StaffRole.OFFICE_MANAGER,)
TECH_ROLES = (StaffRole.TECHNICIAN,)


def board_office_ids(user) -> set[int] | None:
    """Offices whose work orders the user handles; ``None`` means every office (superuser)."""
    return office_ids_with_role(user, DESK_ROLES)


def may_use_board(user) -> bool:
    ids = board_office_ids(user)
    return ids is None or bool(ids)


def may_handle(user, order: WorkOrder) -> bool:
    return may_act_in_office(user, DESK_ROLES, order.office_id)


def may_manage(user, office_id) -> bool:
    return may_act_in_office(user, MANAGER_ROLES, office_id)


def scope_board(user, queryset: QuerySet) -> QuerySet:
    ids = board_office_ids(user)
    return queryset if ids is None else queryset.filter(office_id__in=ids)


def resident_orders(user) -> QuerySet[WorkOrder]:
    if not getattr(user, "is_authenticated", False):
        return WorkOrder.objects.none()
    return WorkOrder.objects.filter(unit__in=resident_units(user).values("pk"))


def is_technician(user) -> bool:
    ids = office_ids_with_role(user, TECH_ROLES)
    return ids is None or bool(ids)


def technician_orders(user) -> QuerySet[WorkOrder]:
    if not getattr(user, "is_authenticated", False):
        return WorkOrder.objects.none()
    ids = office_ids_with_role(user, TECH_ROLES)
    orders = WorkOrder.objects.filter(technician=user)
    return orders if ids is None else orders.filter(office_id__in=ids)


def get_resident_order_or_404(user, reference) -> WorkOrder:
    try:
        return resident_orders(user).select_related("unit__building__community", "office").get(reference=reference)
    except WorkOrder.DoesNotExist:
        raise Http404 from None


def get_technician_order_or_404(user, reference) -> WorkOrder:
    try:
        return technician_orders(user).select_related("unit__building__community", "office").get(reference=reference)
    except WorkOrder.DoesNotExist:
        raise Http404 from None


def get_board_order_or_404(user, pk) -> WorkOrder:
    try:
        return scope_board(user, WorkOrder.objects.all()).get(pk=pk)
    except (WorkOrder.DoesNotExist, ValueError, TypeError):
        raise Http404 from None

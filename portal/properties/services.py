"""Every change to the property tree that is more than a plain form save.

Views parse and authorize; these functions decide. Each one is atomic and refuses the whole
change with a ``ValidationError`` that names every problem, so bad input loses nothing.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.people.models import StaffMembership, StaffRole

from .models import Building, Community, Grid, Unit

#: floor * 100 + column: floor 1 → 101, 102…; floor 18 → 1801…
DEFAULT_NUMBER_FORMAT = "{floor}{column:02d}"
NUMBER_FORMAT_FIELDS = {"floor", "column", "building"}
MAX_BATCH_UNITS = 5000


def format_unit_number(number_format: str, *, floor: int, column: int, building: Building) -> str:
    return number_format.format(floor=floor, column=column, building=building.name)


def check_number_format(number_format: str) -> None:
    """Refuse a format that names unknown fields, cannot be rendered, or ignores the floor or column."""
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(number_format) if name is not None}
    except ValueError as exc:
        raise ValidationError(_("The number format is not valid: %(error)s") % {"error": exc}) from None
    unknown = names - NUMBER_FORMAT_FIELDS
    if unknown or "" in names:
        raise ValidationError(
            _("The number format may only use {floor}, {column} and {building}; it uses %(fields)s.")
            % {"fields": ", ".join(sorted(f"{{{name}}}" for name in unknown or {""}))}
        )
    if not {"floor", "column"} <= names:
        raise ValidationError(_("The number format must contain both {floor} and {column}."))
    try:
        number_format.format(floor=1, column=1, building="1")
    except (ValueError, IndexError, KeyError) as exc:
        raise ValidationError(_("The number format is not valid: %(error)s") % {"error": exc}) from None


def parse_areas(raw: str | Iterable) -> list[Decimal]:
    """Areas from text like ``"88.5, 92, 92, 88.5"`` (commas, Chinese commas or spaces)."""
    parts = raw.replace("，", ",").replace(",", " ").split() if isinstance(raw, str) else list(raw)
    areas = []
    for part in parts:
        try:
            area = Decimal(str(part).strip())
        except InvalidOperation:
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": part}) from None
        if not area.is_finite() or area <= 0:
            raise ValidationError(_("Every area must be a number greater than 0 (got “%(value)s”).") % {"value": part})
        if area.as_tuple().exponent < -2:
            raise ValidationError(_("Areas have at most 2 decimal places (got “%(value)s”).") % {"value": part})
        areas.append(area)
    return areas


def plan_batch(
    building: Building,
    *,
    floors: Iterable[int],
    units_per_floor: int,
    areas_per_column: Sequence[Decimal],
    number_format: str = DEFAULT_NUMBER_FORMAT,
) -> list[tuple[int, int, str, Decimal]]:
    """The (floor, column, number, area) of each unit a batch would create, or a ValidationError."""
    floors = list(floors)
    errors = []
    if not floors:
        errors.append(_("Choose at least one floor."))
    elif min(floors) < 1:
        errors.append(_("Floors start at 1."))
    if units_per_floor < 1:
        errors.append(_("There must be at least one unit per floor."))
    if len(areas_per_column) != units_per_floor:
        errors.append(
            _("Give one floor area per unit of a floor: %(expected)d expected, %(given)d given.")
            % {"expected": units_per_floor, "given": len(areas_per_column)}
        )
    for area in areas_per_column:
        if not isinstance(area, Decimal) or not area.is_finite() or area <= 0:
            errors.append(_("Every area must be a number greater than 0 (got “%(value)s”).") % {"value": area})
    if len(floors) * max(units_per_floor, 0) > MAX_BATCH_UNITS:
        errors.append(_("A batch creates at most %(max)d units.") % {"max": MAX_BATCH_UNITS})
    try:
        check_number_format(number_format)
    except ValidationError as exc:
        errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)

    plan = []
    seen: dict[str, tuple[int, int]] = {}
    for floor in floors:
        for column, area in enumerate(areas_per_column, start=1):
            number = format_unit_number(number_format, floor=floor, column=column, building=building)
            if len(number) > Unit._meta.get_field("number").max_length:
                errors.append(_("Unit number “%(number)s” is too long.") % {"number": number})
            if number in seen:
                errors.append(
                    _("The format gives floor %(floor)d, unit %(column)d the same number “%(number)s” as another unit.")
                    % {"floor": floor, "column": column, "number": number}
                )
            seen[number] = (floor, column)
            plan.append((floor, column, number, area))
    if errors:
        raise ValidationError(errors)
    return plan


def batch_create_units(
    building: Building,
    *,
    floors: Iterable[int],
    units_per_floor: int,
    areas_per_column: Sequence[Decimal],
    grid: Grid,
    unit_type: str = Unit.UnitType.APARTMENT,
    status: str = Unit.Status.SOLD,
    number_format: str = DEFAULT_NUMBER_FORMAT,
) -> list[Unit]:
    """Create every unit of a block of floors at once, e.g. floors 1–18 × 4 units → 101…1804.

    All or nothing: if any number already exists in the building, nothing is created and the
    ValidationError lists every conflicting number. The building's floor count grows to the top
    floor of the batch when it was lower.
    """
    plan = plan_batch(
        building,
        floors=floors,
        units_per_floor=units_per_floor,
        areas_per_column=areas_per_column,
        number_format=number_format,
    )
    errors = []
    if grid.community_id != building.community_id:
        errors.append(_("Grid “%(grid)s” belongs to another community.") % {"grid": grid.name})
    if unit_type not in Unit.UnitType.values:
        errors.append(_("Unknown unit type “%(value)s”.") % {"value": unit_type})
    if status not in Unit.Status.values:
        errors.append(_("Unknown status “%(value)s”.") % {"value": status})
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        # Lock the building so two batches for it cannot interleave.
        Building.objects.select_for_update().filter(pk=building.pk).first()
        numbers = [number for _floor, _column, number, _area in plan]
        existing = set(Unit.objects.filter(building=building, number__in=numbers).values_list("number", flat=True))
        if existing:
            raise ValidationError(
                [
                    _("Unit %(number)s already exists in building %(building)s.")
                    % {"number": number, "building": building.name}
                    for number in numbers
                    if number in existing
                ]
            )
        top_floor = max(floor for floor, _column, _number, _area in plan)
        if top_floor > building.floors:
            building.floors = top_floor
            building.save(update_fields=["floors"])
        units = []
        try:
            with transaction.atomic():
                for floor, _column, number, area in plan:
                    unit = Unit(
                        building=building,
                        grid=grid,
                        number=number,
                        floor=floor,
                        floor_area=area,
                        unit_type=unit_type,
                        status=status,
                    )
                    # One save per unit (not bulk_create) so the audit log records each one.
                    unit.save()
                    units.append(unit)
        except IntegrityError:
            raise ValidationError(
                _("Another change created some of these units at the same time; nothing was created. Try again.")
            ) from None
    return units


def validate_housekeeper(community: Community, user) -> None:
    """A grid's housekeeper must be an active housekeeper of the community's own office."""
    if user is None:
        return
    ok = (
        getattr(user, "is_active", False)
        and StaffMembership.objects.active()
        .filter(user=user, role=StaffRole.HOUSEKEEPER, office_id=community.office_id)
        .exists()
    )
    if not ok:
        raise ValidationError(
            _("%(user)s is not an active housekeeper of %(office)s.") % {"user": user, "office": community.office},
            code="not_a_housekeeper",
        )


def create_grid(community: Community, name: str, *, housekeeper=None, description: str = "") -> Grid:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("A grid needs a name."))
    validate_housekeeper(community, housekeeper)
    if Grid.objects.filter(community=community, name=name).exists():
        raise ValidationError(
            _("Community %(community)s already has a grid named “%(name)s”.")
            % {
                "community": community.name,
                "name": name,
            }
        )
    return Grid.objects.create(community=community, name=name, housekeeper=housekeeper, description=description)


def assign_housekeeper(grid: Grid, user) -> Grid:
    """Make ``user`` the grid's housekeeper (``None`` leaves the grid without one)."""
    validate_housekeeper(grid.community, user)
    grid.housekeeper = user
    grid.save(update_fields=["housekeeper"])
    return grid


def move_units_to_grid(units: Iterable[Unit], grid: Grid) -> int:
    """Move units into ``grid``; every unit must be in the grid's community. Returns how many moved."""
    units = list(units)
    strangers = [u for u in units if u.building.community_id != grid.community_id]
    if strangers:
        raise ValidationError(
            [
                _("Unit %(unit)s is not in community %(community)s.") % {"unit": u.label, "community": grid.community}
                for u in strangers
            ]
        )
    moved = 0
    with transaction.atomic():
        for unit in units:
            if unit.grid_id != grid.pk:
                unit.grid = grid
                unit.save(update_fields=["grid"])
                moved += 1
    return moved

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.people.models import StaffRole
from portal.properties import services
from portal.properties.models import Unit
from tests.factories import GridFactory, StaffMembershipFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

AREAS = [Decimal("88.50"), Decimal("92.00"), Decimal("92.00"), Decimal("120.35")]


def batch(site, **overrides):
    kwargs = dict(floors=range(1, 19), units_per_floor=4, areas_per_column=AREAS, grid=site.grid)
    kwargs.update(overrides)
    return services.batch_create_units(site.building, **kwargs)


def test_a_batch_numbers_units_floor_times_100_plus_column(site):
    units = batch(site)

    assert len(units) == 72
    numbers = list(
        Unit.objects.filter(building=site.building).order_by("floor", "number").values_list("number", flat=True)
    )
    assert numbers[:4] == ["101", "102", "103", "104"]
    assert numbers[-4:] == ["1801", "1802", "1803", "1804"]
    assert Unit.objects.get(building=site.building, number="1203").floor == 12


def test_each_column_gets_its_own_decimal_area(site):
    batch(site)

    for column, area in enumerate(AREAS, start=1):
        unit = Unit.objects.get(building=site.building, number=f"7{column:02d}")
        assert unit.floor_area == area
        assert isinstance(unit.floor_area, Decimal)
    assert set(Unit.objects.values_list("grid_id", flat=True)) == {site.grid.pk}


def test_the_number_format_is_configurable(site):
    batch(site, floors=range(1, 3), number_format="{building}-{floor}{column:02d}")

    assert sorted(Unit.objects.values_list("number", flat=True)) == [
        "3-101", "3-102", "3-103", "3-104", "3-201", "3-202", "3-203", "3-204",
    ]  # fmt: skip


def test_a_batch_with_any_existing_number_creates_nothing_and_names_every_conflict(site):
    UnitFactory(building=site.building, grid=site.grid, number="1203", floor=12)
    UnitFactory(building=site.building, grid=site.grid, number="504", floor=5)

    with pytest.raises(ValidationError) as refused:
        batch(site)

    messages = refused.value.messages
    assert len(messages) == 2
    assert any("504" in m for m in messages) and any("1203" in m for m in messages)
    assert Unit.objects.count() == 2


def test_a_format_that_gives_two_units_the_same_number_is_refused(site):
    # Without zero padding, floor 1 unit 11 and floor 11 unit 1 would both be "111".
    with pytest.raises(ValidationError, match="same number"):
        batch(
            site,
            floors=range(1, 12),
            units_per_floor=11,
            areas_per_column=[Decimal(80)] * 11,
            number_format="{floor}{column}",
        )
    assert Unit.objects.count() == 0


@pytest.mark.parametrize("bad_format", ["{floor}", "{floor}{col}", "{floor}{column", "{0}{floor}{column}"])
def test_a_format_without_floor_and_column_or_with_unknown_fields_is_refused(site, bad_format):
    with pytest.raises(ValidationError):
        batch(site, number_format=bad_format)
    assert Unit.objects.count() == 0


def test_one_area_is_needed_per_unit_of_a_floor(site):
    with pytest.raises(ValidationError, match="4 expected, 3 given"):
        batch(site, areas_per_column=AREAS[:3])


@pytest.mark.parametrize("text", ["88, 0, 90, 90", "88, -1, 90, 90", "88, abc, 90, 90", "88.123, 90, 90, 90"])
def test_areas_must_be_positive_numbers_with_two_decimals_at_most(text):
    with pytest.raises(ValidationError):
        services.parse_areas(text)


def test_areas_are_read_from_text_with_any_commas():
    assert services.parse_areas("88.5，92 92, 120.35") == [
        Decimal("88.5"), Decimal("92"), Decimal("92"), Decimal("120.35"),
    ]  # fmt: skip


def test_a_grid_of_another_community_is_refused(site, other_site):
    with pytest.raises(ValidationError, match="another community"):
        batch(site, grid=other_site.grid)
    assert Unit.objects.count() == 0


def test_the_building_grows_to_the_top_floor_of_the_batch(site):
    batch(site, floors=range(1, 25))
    site.building.refresh_from_db()
    assert site.building.floors == 24


def test_a_housekeeper_of_the_office_can_be_assigned(site, housekeeper):
    services.assign_housekeeper(site.grid, housekeeper)
    site.grid.refresh_from_db()
    assert site.grid.housekeeper == housekeeper


def test_someone_who_is_not_a_housekeeper_of_that_office_is_refused(site, other_site, front_desk):
    keeper_elsewhere = UserFactory()
    StaffMembershipFactory(user=keeper_elsewhere, office=other_site.office, role=StaffRole.HOUSEKEEPER)
    former_keeper = UserFactory()
    StaffMembershipFactory(
        user=former_keeper,
        office=site.office,
        role=StaffRole.HOUSEKEEPER,
        start_date=timezone.localdate() - timedelta(days=90),
        end_date=timezone.localdate() - timedelta(days=1),
    )
    for user in (front_desk, keeper_elsewhere, former_keeper, UserFactory()):
        with pytest.raises(ValidationError, match="not an active housekeeper"):
            services.assign_housekeeper(site.grid, user)
    site.grid.refresh_from_db()
    assert site.grid.housekeeper is None


def test_a_grid_is_created_with_a_checked_housekeeper(site, housekeeper, front_desk):
    grid = services.create_grid(site.community, "G2", housekeeper=housekeeper)
    assert grid.housekeeper == housekeeper
    with pytest.raises(ValidationError):
        services.create_grid(site.community, "G3", housekeeper=front_desk)
    with pytest.raises(ValidationError, match="already has a grid"):
        services.create_grid(site.community, "G2")


def test_units_move_between_grids_of_one_community(site, other_site):
    units = [UnitFactory(building=site.building, grid=site.grid, number=n) for n in ("101", "102")]
    east = GridFactory(community=site.community, name="G2")

    assert services.move_units_to_grid(units, east) == 2
    assert set(Unit.objects.values_list("grid_id", flat=True)) == {east.pk}

    with pytest.raises(ValidationError, match="not in community"):
        services.move_units_to_grid(units, other_site.grid)
    assert set(Unit.objects.values_list("grid_id", flat=True)) == {east.pk}

"""The desk's household search: one rule shared by the repair, clubhouse and services desks."""

import pytest

from portal.people.models import ResidentRole
from portal.properties import household_search
from portal.properties.models import Unit
from tests.factories import BuildingFactory, ResidentMembershipFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    building = BuildingFactory(name="3号楼")
    flat = UnitFactory(building=building, number="1201")
    other = UnitFactory(building=BuildingFactory(community=building.community, name="5号楼"), number="1201")
    ResidentMembershipFactory(unit=flat, user=UserFactory(full_name="Chen Hua", phone="+8613912345678"))
    ResidentMembershipFactory(
        unit=other, role=ResidentRole.TENANT, user=UserFactory(full_name="Li Na", phone="+8613700009999")
    )
    return flat, other


def found(text, units=None):
    return household_search.search(units if units is not None else Unit.objects.all(), text)


@pytest.mark.parametrize("text", ["3-1201", "3 1201", "3栋1201", "3号楼 1201", "Chen Hua", "chen", "5678", "1391234"])
def test_a_clerk_finds_the_household_by_place_name_or_phone(place, text):
    flat, _other = place
    assert found(text) == [flat]


def test_a_bare_unit_number_finds_it_in_every_building_and_a_tenant_is_found_too(place):
    flat, other = place
    assert set(found("1201")) == {flat, other}
    assert found("9999") == [other]  # the tenant's phone tail
    assert found("0000") == [] and found("") == [] and found("   ") == []


def test_the_search_never_widens_what_the_screen_may_show(place):
    flat, other = place
    assert found("1201", Unit.objects.filter(pk=other.pk)) == [other]


def test_names_come_owners_first(place):
    flat, _other = place
    ResidentMembershipFactory(unit=flat, role=ResidentRole.TENANT, user=UserFactory(full_name="Zhao Lei"))
    assert household_search.resident_names([flat]) == {flat.pk: ["Chen Hua", "Zhao Lei"]}

from decimal import Decimal

import pytest

from portal.audit.context import acting_as
from portal.people.models import StaffRole
from portal.people.services import add_staff_role
from tests.factories import BuildingFactory, CommunityFactory, OfficeFactory, UnitFactory, UserFactory


@pytest.fixture
def office_a(db):
    return OfficeFactory(name="城东管理处")


@pytest.fixture
def office_b(office_a):
    """Another office of the same company."""
    return OfficeFactory(region=office_a.region, name="滨江管理处")


@pytest.fixture
def unit_a(office_a):
    building = BuildingFactory(community=CommunityFactory(office=office_a))
    return UnitFactory(building=building, floor_area=Decimal("89.50"))


@pytest.fixture
def unit_b(office_b):
    building = BuildingFactory(community=CommunityFactory(office=office_b))
    return UnitFactory(building=building, floor_area=Decimal("120.00"))


@pytest.fixture
def make_staff(office_a):
    """A user with one staff role, given through the real service (so role groups are synced too)."""

    def make(role, office=None, **user_fields):
        user = UserFactory(**user_fields)
        company = (office or office_a).region.company
        add_staff_role(user, company=company, role=role, office=None if role == StaffRole.HEADQUARTERS else office)
        return user

    return make


@pytest.fixture
def no_staff_2fa(settings):
    settings.STAFF_MFA_REQUIRED = False


def change_area(unit, area, *, by, ip="198.51.100.20"):
    """A staff write outside a request: what a service called from a task or import does."""
    with acting_as(by, ip):
        unit.floor_area = Decimal(area)
        unit.save()

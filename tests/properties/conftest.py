"""Two offices of one company, each with a community, a building and a grid, and their staff."""

from dataclasses import dataclass

import pytest

from portal.people.models import StaffRole
from portal.people.roles import sync_staff_groups
from portal.properties.models import Building, Community, Grid, Office
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    CompanyFactory,
    GridFactory,
    OfficeFactory,
    RegionFactory,
    StaffMembershipFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _plain_settings(settings):
    settings.STAFF_MFA_REQUIRED = False
    settings.LANGUAGE_CODE = "en"


@dataclass
class Site:
    office: Office
    community: Community
    building: Building
    grid: Grid


def make_site(region, n):
    office = OfficeFactory(region=region, name=f"Office {n}", code=f"office-{n}")
    community = CommunityFactory(office=office, name=f"Garden {n}", code=f"garden-{n}")
    building = BuildingFactory(community=community, name="3", floors=18)
    grid = GridFactory(community=community, name="G1")
    return Site(office, community, building, grid)


@pytest.fixture
def company():
    return CompanyFactory(name="Linli Property")


@pytest.fixture
def site(company):
    return make_site(RegionFactory(company=company, name="East"), "a")


@pytest.fixture
def other_site(company):
    return make_site(RegionFactory(company=company, name="West"), "b")


def staff(role, office=None, company=None, **user_fields):
    user = UserFactory(**user_fields)
    if role == StaffRole.HEADQUARTERS:
        StaffMembershipFactory(user=user, office=None, company=company, role=role)
    else:
        StaffMembershipFactory(user=user, office=office, role=role)
    sync_staff_groups(user)
    return user


@pytest.fixture
def manager(site):
    return staff(StaffRole.OFFICE_MANAGER, site.office, full_name="Manager A")


@pytest.fixture
def front_desk(site):
    return staff(StaffRole.FRONT_DESK, site.office, full_name="Front desk A")


@pytest.fixture
def housekeeper(site):
    return staff(StaffRole.HOUSEKEEPER, site.office, full_name="Keeper A", phone="+8613800000001")


@pytest.fixture
def other_manager(other_site):
    """Staff of another office: must see nothing of ``site``."""
    return staff(StaffRole.OFFICE_MANAGER, other_site.office, full_name="Manager B")


@pytest.fixture
def headquarters(company, site, other_site):
    return staff(StaffRole.HEADQUARTERS, company=company, full_name="HQ")


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login

"""Actors and places for the people tests.

Two offices of one company: ``north`` (community "Green Garden") and ``south`` ("Lake View").
Residents and staff get verified email addresses so allauth lets them log in; staff get a TOTP
authenticator unless a test is about the lack of one.
"""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.urls import reverse

from portal.people import services, sms
from portal.people.models import StaffRole
from tests.factories import (
    DEFAULT_PASSWORD,
    AccountFactory,
    BuildingFactory,
    CommunityFactory,
    CompanyFactory,
    GridFactory,
    OfficeFactory,
    RegionFactory,
    ResidentMembershipFactory,
    UnitFactory,
    enable_totp,
)

PASSWORD = DEFAULT_PASSWORD


@pytest.fixture(autouse=True)
def _fresh_rate_limits_and_outboxes(settings):
    """Rate-limit counters live in the cache; SMS go to an inspectable outbox."""
    cache.clear()
    settings.LANGUAGE_CODE = "en"  # assertions read English messages; zh-hans is tested by the lead's i18n checks
    settings.SMS_BACKEND = "locmem"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sms.outbox.clear()
    yield
    cache.clear()


def _office_with_community(region, label):
    office = OfficeFactory(region=region, name=f"{label} office", code=f"{label.lower()}-office")
    community = CommunityFactory(office=office, name=f"{label} community", code=f"{label.lower()}-community")
    building = BuildingFactory(community=community, name="3")
    grid = GridFactory(community=community, name=f"{label} grid")
    units = [UnitFactory(building=building, grid=grid, number=n, floor=int(n[:-2])) for n in ("1501", "1502")]
    return SimpleNamespace(office=office, community=community, building=building, grid=grid, units=units)


@pytest.fixture
def world(db):
    company = CompanyFactory(name="Linli Property")
    region = RegionFactory(company=company, name="East")
    return SimpleNamespace(
        company=company,
        north=_office_with_community(region, "North"),
        south=_office_with_community(region, "South"),
    )


@pytest.fixture
def make_staff(world):
    def make(role=StaffRole.FRONT_DESK, office=None, *, totp=True, **user_fields):
        user = AccountFactory(**user_fields)
        office = None if role == StaffRole.HEADQUARTERS else (office or world.north.office)
        services.add_staff_role(user, company=world.company, role=role, office=office)
        if totp:
            enable_totp(user)
        return user

    return make


@pytest.fixture
def front_desk(make_staff, world):
    return make_staff(StaffRole.FRONT_DESK, world.north.office, full_name="Fang Desk")


@pytest.fixture
def office_manager(make_staff, world):
    return make_staff(StaffRole.OFFICE_MANAGER, world.north.office, full_name="Ma Manager")


@pytest.fixture
def other_office_staff(make_staff, world):
    """The south office's manager: must never see or touch the north office's people."""
    return make_staff(StaffRole.OFFICE_MANAGER, world.south.office, full_name="Sun South")


@pytest.fixture
def resident(world):
    user = AccountFactory(full_name="Wang Resident", phone="+8613800000000")
    ResidentMembershipFactory(user=user, unit=world.north.units[0])
    return user


@pytest.fixture
def neighbour(world):
    user = AccountFactory(full_name="Li Neighbour")
    ResidentMembershipFactory(user=user, unit=world.north.units[1])
    return user


def assert_refused(response):
    """Wagtail answers a refused permission with a redirect to its home (or login) page."""
    if response.status_code == 302:
        assert response.url.split("?")[0] in (reverse("wagtailadmin_home"), reverse("account_login"))
    else:
        assert response.status_code in (403, 404)

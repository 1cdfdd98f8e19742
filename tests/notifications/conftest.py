"""Actors and places for the notifications tests.

Two offices of one company. North: "Green Garden", building 3 with units 1501 (the resident Wang) and
1502 (the neighbour Li), one grid whose housekeeper is Fang. South: "Lake View", its own manager.
"""

from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.cache import cache

from notifications.transports import sms_console
from portal.people.models import StaffRole
from portal.people.services import add_staff_role
from tests.factories import (
    AccountFactory,
    BuildingFactory,
    CommunityFactory,
    CompanyFactory,
    GridFactory,
    OfficeFactory,
    RegionFactory,
    ResidentMembershipFactory,
    UnitFactory,
)


@pytest.fixture(autouse=True)
def _inspectable(settings):
    cache.clear()
    settings.LANGUAGE_CODE = "en"
    settings.SMS_BACKEND = "locmem"
    settings.STAFF_MFA_REQUIRED = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.NOTIFICATIONS_QUIET_HOURS = "22:00-08:00"
    settings.SITE_URL = "https://linli.example"
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.TWILIO_FROM = "+15005550006"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    sms_console.outbox.clear()
    mail.outbox = []
    yield
    cache.clear()


def _office(region, label, keeper):
    office = OfficeFactory(region=region, name=f"{label} office", code=f"{label.lower()}-office")
    community = CommunityFactory(office=office, name=f"{label} community", code=f"{label.lower()}-community")
    building = BuildingFactory(community=community, name="3")
    grid = GridFactory(community=community, name=f"{label} grid", housekeeper=keeper)
    units = [UnitFactory(building=building, grid=grid, number=n, floor=int(n[:-2])) for n in ("1501", "1502")]
    return SimpleNamespace(office=office, community=community, building=building, grid=grid, units=units)


@pytest.fixture
def world(db):
    company = CompanyFactory(name="Linli Property")
    region = RegionFactory(company=company, name="East")
    keeper = AccountFactory(full_name="Fang Keeper", phone="+8613811110000")
    south_manager = AccountFactory(full_name="Sun South")
    north = _office(region, "North", keeper)
    south = _office(region, "South", None)
    add_staff_role(keeper, company=company, role=StaffRole.HOUSEKEEPER, office=north.office)
    add_staff_role(south_manager, company=company, role=StaffRole.OFFICE_MANAGER, office=south.office)
    desk = AccountFactory(full_name="Desk North")
    add_staff_role(desk, company=company, role=StaffRole.FRONT_DESK, office=north.office)
    manager = AccountFactory(full_name="Ma Manager")
    add_staff_role(manager, company=company, role=StaffRole.OFFICE_MANAGER, office=north.office)
    resident = AccountFactory(full_name="Wang Resident", phone="+8613800000001", email="wang@example.com")
    ResidentMembershipFactory(user=resident, unit=north.units[0])
    neighbour = AccountFactory(full_name="Li Neighbour", phone="+8613800000002")
    ResidentMembershipFactory(user=neighbour, unit=north.units[1])
    return SimpleNamespace(
        company=company,
        north=north,
        south=south,
        keeper=keeper,
        desk=desk,
        manager=manager,
        south_manager=south_manager,
        resident=resident,
        neighbour=neighbour,
    )


@pytest.fixture
def sms_outbox():
    return sms_console.outbox

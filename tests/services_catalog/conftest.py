"""Two offices; a resident and a neighbour in office A; staff of both; a team with one worker; services."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from portal.people.models import StaffRole
from services_catalog.models import Provider, Service, ServiceCategory, ServiceOption
from tests.factories import (
    CompanyFactory,
    RegionFactory,
    ResidentMembershipFactory,
    UnitFactory,
    UserFactory,
)
from tests.properties.conftest import make_site, staff


@pytest.fixture(autouse=True)
def _plain_settings(settings):
    settings.STAFF_MFA_REQUIRED = False
    settings.LANGUAGE_CODE = "en"
    settings.PAYMENT_GATEWAY = "dummy"


def make_service(office, category, name, *, model="fixed", price="150.00", **fields):
    defaults = {
        "summary": f"{name} summary",
        "price_model": model,
        "price": None if model == "quote" else Decimal(price),
        "weekdays": "0123456",
        "day_start": datetime.time(9, 0),
        "day_end": datetime.time(17, 0),
        "slot_minutes": 120,
        "lead_hours": 2,
    }
    defaults.update(fields)
    return Service.objects.create(office=office, category=category, name=name, **defaults)


def next_slot(service, days=2, hour=9):
    """A valid slot start ``days`` from now at ``hour`` (local)."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=tz)


@pytest.fixture
def w(db):
    company = CompanyFactory(name="Linli Property")
    site = make_site(RegionFactory(company=company, name="East"), "a")
    other = make_site(RegionFactory(company=company, name="West"), "b")
    unit = UnitFactory(building=site.building, grid=site.grid, number="1101", floor=11)
    unit2 = UnitFactory(building=site.building, grid=site.grid, number="1102", floor=11)
    resident = UserFactory(full_name="Resident Ruan")
    ResidentMembershipFactory(user=resident, unit=unit)
    neighbour = UserFactory(full_name="Neighbour Ni")
    ResidentMembershipFactory(user=neighbour, unit=unit2)
    manager = staff(StaffRole.OFFICE_MANAGER, site.office, full_name="Manager A")
    desk = staff(StaffRole.FRONT_DESK, site.office, full_name="Desk A")
    manager_b = staff(StaffRole.OFFICE_MANAGER, other.office, full_name="Manager B")
    worker = staff(StaffRole.TECHNICIAN, site.office, full_name="Worker Wu")
    category = ServiceCategory.objects.create(office=site.office, name="Cleaning")
    cleaning = make_service(site.office, category, "Deep cleaning", model="per_m2", price="6.50")
    ServiceOption.objects.create(service=cleaning, name="Windows", price=Decimal("50.00"))
    lock = make_service(
        site.office, category, "Lock opening", price="120.00", free_cancel_hours=24, late_cancel_keep_percent=50
    )
    moving = make_service(site.office, category, "Moving", model="quote")
    team = Provider.objects.create(office=site.office, name="Team A", capacity_per_slot=2)
    team.services.set([cleaning, lock, moving])
    team.people.set([worker])
    return SimpleNamespace(**locals())

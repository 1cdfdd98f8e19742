"""An office with a water item, units with meters, a shared meter over them, and billing staff."""

import datetime
from decimal import Decimal

import pytest

from commerce.meters.models import Meter, MeterReading
from portal.people.models import StaffRole
from tests.billing.conftest import make_item
from tests.factories import CompanyFactory, RegionFactory, UnitFactory
from tests.properties.conftest import make_site, staff

D = Decimal


@pytest.fixture(autouse=True)
def _plain_settings(settings):
    settings.STAFF_MFA_REQUIRED = False
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def company():
    return CompanyFactory(name="Linli Property")


@pytest.fixture
def site(company):
    return make_site(RegionFactory(company=company, name="East"), "a")


@pytest.fixture
def other_site(company):
    return make_site(RegionFactory(company=company, name="West"), "b")


@pytest.fixture
def clerk(site):
    return staff(StaffRole.BILLING_CLERK, site.office, full_name="Clerk A")


@pytest.fixture
def manager(site):
    return staff(StaffRole.OFFICE_MANAGER, site.office, full_name="Manager A")


@pytest.fixture
def other_clerk(other_site):
    return staff(StaffRole.BILLING_CLERK, other_site.office, full_name="Clerk B")


@pytest.fixture
def technician(site):
    return staff(StaffRole.TECHNICIAN, site.office, full_name="Tech A")


@pytest.fixture
def water(site):
    return make_item(site.office, "metered", code="water", price="3.50", measure="m³")


@pytest.fixture
def units(site):
    areas = [D("60.00"), D("90.00"), D("150.00")]
    return [
        UnitFactory(building=site.building, grid=site.grid, number=f"110{n}", floor=11, floor_area=area)
        for n, area in enumerate(areas, start=1)
    ]


def meter(office, item, code, unit=None, parent=None, kind=Meter.Kind.UNIT, **fields):
    return Meter.objects.create(
        office=office, charge_item=item, code=code, unit=unit, parent=parent, kind=kind, **fields
    )


def reading(m, date, value, status=MeterReading.Status.ACCEPTED, previous=None):
    """A reading written straight to the table (tests of billing and apportionment set up history)."""
    date = datetime.date.fromisoformat(date) if isinstance(date, str) else date
    value = D(value)
    usage = None if previous is None else (value - D(previous)) * m.multiplier
    return MeterReading.objects.create(
        meter=m,
        date=date,
        value=value,
        previous_value=None if previous is None else D(previous),
        previous_date=None if previous is None else date - datetime.timedelta(days=30),
        usage=usage,
        status=status,
    )


@pytest.fixture
def shared(site, water, units):
    """A master meter W-M over three unit meters W-1101..W-1103."""
    master = meter(site.office, water, "W-M", kind=Meter.Kind.SHARED)
    subs = [meter(site.office, water, f"W-{u.number}", unit=u, parent=master) for u in units]
    return master, subs

"""Two offices with a community each, a unit in the first, billing staff, and charge-item helpers."""

import datetime
from decimal import Decimal

import pytest

from commerce.billing.models import ChargeItem, ChargeStandard, StandardTier
from portal.people.models import StaffRole
from tests.factories import CompanyFactory, RegionFactory, UnitFactory
from tests.properties.conftest import make_site, staff

JAN = (datetime.date(2025, 1, 1), datetime.date(2025, 1, 31))


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
def unit(site):
    return UnitFactory(building=site.building, grid=site.grid, number="1101", floor=11, floor_area=Decimal("89.50"))


@pytest.fixture
def clerk(site):
    return staff(StaffRole.BILLING_CLERK, site.office, full_name="Clerk A")


@pytest.fixture
def other_clerk(other_site):
    return staff(StaffRole.BILLING_CLERK, other_site.office, full_name="Clerk B")


@pytest.fixture
def technician(site):
    return staff(StaffRole.TECHNICIAN, site.office, full_name="Tech A")


def make_item(office, kind, *, code=None, price=None, formula="", tiers=(), measure="", start="2024-01-01", end=None):
    item = ChargeItem.objects.create(
        office=office, code=code or kind.replace("_", "-"), name=f"{kind} item", kind=kind, measure_unit=measure
    )
    standard = ChargeStandard.objects.create(
        item=item,
        name="Standard",
        effective_from=datetime.date.fromisoformat(start),
        effective_to=datetime.date.fromisoformat(end) if end else None,
        unit_price=Decimal(price) if price is not None else None,
        formula=formula,
    )
    for up_to, tier_price in tiers:
        StandardTier.objects.create(
            standard=standard, up_to=Decimal(up_to) if up_to else None, unit_price=Decimal(tier_price)
        )
    return item

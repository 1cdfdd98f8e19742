"""A unit with two monthly bills of ¥100 (Jan, Feb 2025), its resident, a neighbour, and desk staff."""

import datetime
from decimal import Decimal

import pytest

from commerce.billing import runs as billing_runs
from commerce.billing.models import BillingRun
from portal.people.models import StaffRole
from tests.billing.conftest import company, make_item, other_site, site  # noqa: F401
from tests.factories import AccountFactory, ResidentMembershipFactory, UnitFactory
from tests.payments.stripe_support import stripe_api, stripe_settings  # noqa: F401
from tests.properties.conftest import staff


@pytest.fixture(autouse=True)
def _plain_settings(settings):
    settings.STAFF_MFA_REQUIRED = False
    settings.LANGUAGE_CODE = "en"
    settings.PAYMENT_GATEWAY = "dummy"


@pytest.fixture
def unit(site):  # noqa: F811
    return UnitFactory(building=site.building, grid=site.grid, number="1101", floor=11, floor_area=Decimal("89.50"))


@pytest.fixture
def neighbour_unit(site):  # noqa: F811
    return UnitFactory(building=site.building, grid=site.grid, number="1102", floor=11, floor_area=Decimal("70.00"))


@pytest.fixture
def resident(unit):
    user = AccountFactory(full_name="Resident Ruan")
    ResidentMembershipFactory(user=user, unit=unit)
    return user


@pytest.fixture
def neighbour(neighbour_unit):
    user = AccountFactory(full_name="Neighbour Ni")
    ResidentMembershipFactory(user=user, unit=neighbour_unit)
    return user


def run_month(office, year, month):
    start = datetime.date(year, month, 1)
    end = billing_runs.month_bounds(start)[1]
    run = BillingRun.objects.create(office=office, period_start=start, period_end=end)
    return billing_runs.execute_run(run.pk)


@pytest.fixture
def bills(site, unit, neighbour_unit):  # noqa: F811
    """Jan and Feb bills of ¥100 for the unit (and for the neighbour's unit)."""
    make_item(site.office, "fixed_per_unit", price="100.00")
    jan = run_month(site.office, 2025, 1).bills.get(unit=unit)
    feb = run_month(site.office, 2025, 2).bills.get(unit=unit)
    return [jan, feb]


@pytest.fixture
def clerk(site):  # noqa: F811
    return staff(StaffRole.BILLING_CLERK, site.office, full_name="Clerk A")


@pytest.fixture
def other_clerk(other_site):  # noqa: F811
    return staff(StaffRole.BILLING_CLERK, other_site.office, full_name="Clerk B")

"""Two offices of one company; units with monthly bills made by real billing runs; desk payments.

The site's office charges a fixed ¥100 a month per unit (item ``fixed-per-unit``), or two items
(¥60 property fee + ¥40 garbage) where a test asks for ``two_items``.
"""

import datetime
from decimal import Decimal

import pytest

from commerce.billing import runs as billing_runs
from commerce.billing.models import BillingRun
from commerce.payments import services as payments
from commerce.reports.queries import Scope
from portal.access import office_ids_with_role
from portal.people.models import StaffRole
from portal.properties.models import Unit
from tests.billing.conftest import company, make_item, other_site, site  # noqa: F401
from tests.factories import UnitFactory
from tests.properties.conftest import staff


@pytest.fixture(autouse=True)
def _plain_settings(settings):
    settings.STAFF_MFA_REQUIRED = False
    settings.LANGUAGE_CODE = "en"
    settings.PAYMENT_GATEWAY = "dummy"


def make_unit(site, number, **fields):  # noqa: F811
    return UnitFactory(building=site.building, grid=site.grid, number=number, floor=1, **fields)


def run_month(office, year, month):
    start = datetime.date(year, month, 1)
    end = billing_runs.month_bounds(start)[1]
    run = BillingRun.objects.create(office=office, period_start=start, period_end=end)
    return billing_runs.execute_run(run.pk)


def pay(staff_user, unit, amount, bills=None, method="cash"):
    return payments.record_desk_payment(staff_user, unit, Decimal(amount), method, bills=bills)


def scope_for(user, **filters):
    ids = office_ids_with_role(user, [StaffRole.BILLING_CLERK, StaffRole.OFFICE_MANAGER])
    return Scope(None if ids is None else frozenset(ids), **filters)


@pytest.fixture
def unit(site):  # noqa: F811
    return make_unit(site, "101")


@pytest.fixture
def neighbour_unit(site):  # noqa: F811
    return make_unit(site, "102")


@pytest.fixture
def unsold_unit(site):  # noqa: F811
    return make_unit(site, "103", status=Unit.Status.UNSOLD)


@pytest.fixture
def other_unit(other_site):  # noqa: F811
    return make_unit(other_site, "201")


@pytest.fixture
def hundred(site, other_site):  # noqa: F811
    make_item(site.office, "fixed_per_unit", price="100.00")
    make_item(other_site.office, "fixed_per_unit", price="100.00")


@pytest.fixture
def clerk(site):  # noqa: F811
    return staff(StaffRole.BILLING_CLERK, site.office, full_name="Clerk A")


@pytest.fixture
def other_clerk(other_site):  # noqa: F811
    return staff(StaffRole.BILLING_CLERK, other_site.office, full_name="Clerk B")


@pytest.fixture
def hq(company):  # noqa: F811
    return staff(StaffRole.HEADQUARTERS, company=company, full_name="HQ")


@pytest.fixture
def technician(site):  # noqa: F811
    return staff(StaffRole.TECHNICIAN, site.office, full_name="Tech A")

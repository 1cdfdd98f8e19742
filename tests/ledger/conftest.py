"""A company with two offices, a unit in each, and the ledger accounts a fee flow touches."""

from dataclasses import dataclass

import pytest
from django.utils import translation

from commerce.ledger.models import Account, AccountKind
from commerce.ledger.services import household_account, system_account
from portal.properties.models import Unit
from tests.factories import CompanyFactory, RegionFactory, UnitFactory
from tests.properties.conftest import Site, make_site


@dataclass
class Books:
    site: Site
    unit: Unit
    household: Account
    cash: Account
    prepayments: Account
    fee_income: Account

    @property
    def company(self):
        return self.site.office.region.company

    @property
    def office(self):
        return self.site.office


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
def books(site, company):
    unit = UnitFactory(building=site.building, grid=site.grid, number="1203")
    return Books(
        site=site,
        unit=unit,
        household=household_account(unit),
        cash=system_account(company, AccountKind.CASH),
        prepayments=system_account(company, AccountKind.PREPAYMENT),
        fee_income=system_account(company, AccountKind.INCOME, charge_code="property-fee"),
    )


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; the site's default language is Chinese."""
    with translation.override("en"):
        yield

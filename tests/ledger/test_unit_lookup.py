"""The household account on the unit lookup (联查): the rightful office sees it, others get a 404."""

from decimal import Decimal

import pytest
from django.urls import reverse as url_reverse

from commerce.ledger.services import post, reverse
from portal.people.models import StaffRole
from tests.factories import ResidentMembershipFactory, UnitFactory
from tests.properties.conftest import staff

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(autouse=True)
def _plain_settings(settings):
    settings.STAFF_MFA_REQUIRED = False
    settings.LANGUAGE_CODE = "en"


def lookup_url(unit):
    return url_reverse("properties_unit:inspect", args=[unit.pk])


def charge(books, key, amount, memo):
    return post(
        key=key,
        company=books.company,
        office=books.office,
        lines=[(books.household, D(amount)), (books.fee_income, -D(amount))],
        memo=memo,
    )


def test_the_lookup_shows_the_household_balance_and_latest_entries_to_the_rightful_office(books, client):
    fee = charge(books, "jan", "1268.50", "Property fee, January")
    charge(books, "feb", "268.50", "Property fee, February")
    reverse(fee, key="waive-jan", reason="Waived")
    front_desk = staff(StaffRole.FRONT_DESK, books.office)
    client.force_login(front_desk)

    response = client.get(lookup_url(books.unit))

    assert response.status_code == 200
    page = response.content.decode()
    assert "The household owes ¥268.50." in page
    assert "Property fee, February" in page
    assert "Reversal of: Property fee, January" in page
    assert "-¥1,268.50" in page
    assert "Billing is not set up yet" not in page


def test_the_lookup_shows_a_household_that_paid_ahead(books, client):
    post(
        key="prepay",
        company=books.company,
        lines=[(books.cash, D("500.00")), (books.household, D("-500.00"))],
        memo="Paid ahead at the desk",
    )
    client.force_login(staff(StaffRole.OFFICE_MANAGER, books.office))
    page = client.get(lookup_url(books.unit)).content.decode()
    assert "The household has paid ¥500.00 in advance." in page


def test_the_lookup_shows_only_the_latest_ten_entries(books, client):
    for month in range(1, 13):
        charge(books, f"m{month}", "10.00", f"Fee month {month:02d}")
    client.force_login(staff(StaffRole.FRONT_DESK, books.office))
    page = client.get(lookup_url(books.unit)).content.decode()
    assert "Fee month 12" in page and "Fee month 03" in page
    assert "Fee month 02" not in page and "Fee month 01" not in page
    assert "The household owes ¥120.00." in page


def test_a_unit_without_an_account_keeps_the_billing_note(site, client):
    unit = UnitFactory(building=site.building, grid=site.grid)
    client.force_login(staff(StaffRole.FRONT_DESK, site.office))
    page = client.get(lookup_url(unit)).content.decode()
    assert "Billing is not set up yet" in page
    assert "Household account" not in page


def test_staff_of_another_office_and_a_neighbour_cannot_look_the_unit_up(books, other_site, client):
    charge(books, "jan", "268.50", "Property fee, January")
    client.force_login(staff(StaffRole.OFFICE_MANAGER, other_site.office))
    assert client.get(lookup_url(books.unit)).status_code == 404

    neighbour = ResidentMembershipFactory(unit=UnitFactory(building=books.site.building, grid=books.site.grid)).user
    client.force_login(neighbour)
    response = client.get(lookup_url(books.unit))
    assert response.status_code == 302  # residents are sent away from the back office
    assert "268.50" not in response.content.decode()

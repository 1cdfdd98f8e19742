"""Residents book slots for N people under the facility's rules; every refusal names its rule."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.billing.models import Bill
from commerce.ledger.services import household_balance
from portal.clubhouse import services
from portal.clubhouse.models import Booking, Closure, Slot, Suspension

from .conftest import at, household, make_facility

pytestmark = pytest.mark.django_db


def test_a_free_booking_for_three_people_is_confirmed_and_takes_three_places(resident, unit, gym):
    booking = services.book(resident, unit, gym, at(1, 10), 3)

    assert booking.status == Booking.Status.CONFIRMED and booking.payment_method == "free"
    assert Slot.objects.get().taken == 3 and booking.bill is None
    assert list(booking.events.values_list("status", flat=True)) == ["confirmed"]


def test_an_exclusive_booking_takes_the_whole_slot(resident, unit, neighbour_home, room):
    services.book(resident, unit, room, at(2, 10), 4, "household")
    neighbour_unit, neighbour = neighbour_home

    with pytest.raises(services.BookingRefused) as refused:
        services.book(neighbour, neighbour_unit, room, at(2, 10), 1, "household")

    assert refused.value.code == "full" and "fully booked" in refused.value.messages[0]


def test_charging_to_the_household_confirms_and_bills_the_household(resident, unit, room):
    booking = services.book(resident, unit, room, at(2, 10), 10, "household")

    assert booking.status == Booking.Status.CONFIRMED and booking.amount == Decimal("200.00")
    assert booking.bill.source == f"clubhouse:booking:{booking.pk}" and booking.bill.kind == Bill.Kind.ONE_OFF
    assert household_balance(unit) == Decimal("200.00")


def test_a_shared_facility_charges_per_person(resident, unit, gym):
    gym.price = Decimal("15.00")
    gym.save()
    booking = services.book(resident, unit, gym, at(1, 9), 3, "household")
    assert booking.amount == Decimal("45.00") and household_balance(unit) == Decimal("45.00")


def test_a_paid_facility_needs_a_payment_choice(resident, unit, room):
    with pytest.raises(services.BookingRefused) as refused:
        services.book(resident, unit, room, at(2, 10), 2, "")
    assert refused.value.code == "payment"


@pytest.mark.parametrize(
    ("when", "people", "rule", "words"),
    [
        (lambda: at(-1, 10), 1, "past", "has passed"),
        (lambda: timezone.now() - datetime.timedelta(minutes=5), 1, "past", "has passed"),
        (lambda: at(15, 10), 1, "horizon", "at most 14 days ahead"),
        (lambda: at(1, 7), 1, "hours", "not open at"),
        (lambda: at(1, 22), 1, "hours", "not open at"),
        (lambda: at(1, 10, 30), 1, "hours", "not open at"),
        (lambda: at(1, 10), 6, "capacity", "At most 5 people fit"),
        (lambda: at(1, 10), 0, "people", "at least one person"),
    ],
)
def test_a_booking_breaking_a_rule_is_refused_with_that_rule(resident, unit, gym, when, people, rule, words):
    with pytest.raises(services.BookingRefused) as refused:
        services.book(resident, unit, gym, when(), people)

    assert refused.value.code == rule and words in refused.value.messages[0]
    assert not Booking.objects.exists()


def test_a_booking_during_a_closure_is_refused_naming_the_closure(resident, unit, gym):
    Closure.objects.create(facility=gym, starts_at=at(3, 0), ends_at=at(4, 0), reason="Floor maintenance")

    with pytest.raises(services.BookingRefused) as refused:
        services.book(resident, unit, gym, at(3, 10), 1)

    assert refused.value.code == "closure" and "Floor maintenance" in refused.value.messages[0]


def test_the_weekly_limit_counts_the_households_bookings_in_that_week(resident, unit, site):
    gym = make_facility(site.community, weekly_limit=2)
    monday = services.week_start(timezone.localdate()) + datetime.timedelta(days=7)
    offset = (monday - timezone.localdate()).days
    services.book(resident, unit, gym, at(offset, 9), 1)
    services.book(resident, unit, gym, at(offset + 1, 9), 1)

    with pytest.raises(services.BookingRefused) as refused:
        services.book(resident, unit, gym, at(offset + 2, 9), 1)

    assert refused.value.code == "weekly_limit" and "the limit is 2 a week" in refused.value.messages[0]
    assert services.book(resident, unit, gym, at(offset + 7, 9), 1).status == "confirmed"  # the next week is fine


def test_a_suspended_household_is_refused_until_the_suspension_ends(resident, unit, gym, site):
    Suspension.objects.create(
        office=site.office, unit=unit, until=timezone.localdate() + datetime.timedelta(days=5), reason="3 no-shows"
    )
    with pytest.raises(services.BookingRefused) as refused:
        services.book(resident, unit, gym, at(1, 10), 1)
    assert refused.value.code == "suspended" and "3 no-shows" in refused.value.messages[0]


def test_more_people_than_the_places_left_is_refused_with_the_places_left(resident, unit, neighbour_home, gym):
    services.book(resident, unit, gym, at(1, 10), 3)
    neighbour_unit, neighbour = neighbour_home
    with pytest.raises(services.BookingRefused) as refused:
        services.book(neighbour, neighbour_unit, gym, at(1, 10), 3)
    assert refused.value.code == "full" and "only 2 places are left" in refused.value.messages[0]


def test_another_community_may_book_only_facilities_open_to_non_residents(site, gym, company):
    from portal.properties.models import Community
    from tests.factories import BuildingFactory, GridFactory

    other = Community.objects.create(office=site.office, name="Maple", code="maple")
    building, grid = BuildingFactory(community=other), GridFactory(community=other)
    from types import SimpleNamespace

    outsider_unit, outsider = household(SimpleNamespace(building=building, grid=grid), "0101")
    with pytest.raises(services.BookingRefused) as refused:
        services.book(outsider, outsider_unit, gym, at(1, 10), 1)
    assert refused.value.code == "non_residents"

    gym.non_residents = True
    gym.save()
    assert services.book(outsider, outsider_unit, gym, at(1, 10), 1).status == "confirmed"


def test_nobody_books_for_a_household_that_is_not_theirs(resident, neighbour_home, gym):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.book(resident, neighbour_home[0], gym, at(1, 10), 1)


# --- through HTTP ---------------------------------------------------------------------------


def test_the_week_calendar_shows_free_places_and_closures(client, resident, unit, gym):
    services.book(resident, unit, gym, at(1, 10), 2)
    Closure.objects.create(facility=gym, starts_at=at(2, 8), ends_at=at(2, 12), reason="Deep clean")
    client.force_login(resident)

    page = client.get(reverse("clubhouse:facility", args=[gym.pk]), {"week": at(1, 10).date().isoformat()})

    assert page.status_code == 200
    html = page.content.decode()
    assert "3 free" in html and "Deep clean" in html and "closed" in html


def test_a_resident_books_through_the_form_and_sees_the_refusal_on_the_same_page(client, resident, unit, gym):
    client.force_login(resident)
    url = reverse("clubhouse:book", args=[gym.pk])
    key = at(1, 10).strftime("%Y-%m-%dT%H:%M")

    done = client.post(url, {"at": key, "people": "2", "unit": unit.pk})
    booking = Booking.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("clubhouse:booking", args=[booking.pk])

    refused = client.post(url, {"at": key, "people": "9", "unit": unit.pk})
    assert refused.status_code == 200 and "At most 5 people fit" in refused.content.decode()
    assert Booking.objects.count() == 1


def test_a_neighbour_cannot_see_or_cancel_my_booking(client, resident, unit, neighbour_home, gym):
    booking = services.book(resident, unit, gym, at(1, 10), 1)
    client.force_login(neighbour_home[1])
    assert client.get(reverse("clubhouse:booking", args=[booking.pk])).status_code == 404
    assert client.post(reverse("clubhouse:cancel", args=[booking.pk])).status_code == 404
    assert Booking.objects.get().status == "confirmed"


def test_a_resident_of_another_office_cannot_open_the_facility(client, other_site, gym):
    outsider = household(other_site, "0901")[1]
    client.force_login(outsider)
    assert client.get(reverse("clubhouse:facility", args=[gym.pk])).status_code == 404

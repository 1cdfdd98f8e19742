"""The desk books for a household (same rules unless overridden with a reason) and lists bookings over days."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from commerce.ledger.services import household_balance
from notifications.models import Notification
from portal.clubhouse import desk as desk_lookup
from portal.clubhouse import services
from portal.clubhouse.models import Booking, PaymentMethod, Suspension

from .conftest import at, household, make_facility

pytestmark = pytest.mark.django_db


@pytest.fixture
def court(site):
    return make_facility(
        site.community,
        name="Tennis court",
        capacity=4,
        exclusive=True,
        price=Decimal("80.00"),
        deposit=Decimal("100.00"),
        horizon_days=7,
        weekly_limit=1,
    )


def test_the_desk_books_for_a_household_on_its_account_and_tells_it(
    site, resident, unit, court, desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_for_household(desk, unit, court, at(2, 10), "3")

    assert booking.status == Booking.Status.CONFIRMED and booking.by_staff and booking.booked_by == desk
    assert booking.payment_method == PaymentMethod.HOUSEHOLD
    assert household_balance(unit) == Decimal("180.00")  # fee and deposit
    assert booking.events.get().note == "Booked at the desk"
    assert Notification.objects.filter(recipient=resident, event="clubhouse.booking_confirmed").exists()
    assert not Notification.objects.filter(recipient=desk).exists()


@pytest.mark.parametrize(
    "starts, setup, code",
    [
        (lambda: at(10, 10), None, "horizon"),
        (lambda: at(2, 12), "booked", "weekly_limit"),
        (lambda: at(2, 10), "suspended", "suspended"),
    ],
)
def test_the_desk_meets_the_same_rules_unless_it_overrides_them_with_a_reason(
    site, resident, unit, court, desk, starts, setup, code
):
    if setup == "booked":
        services.book(resident, unit, court, at(2, 10), 2, "household")
    if setup == "suspended":
        Suspension.objects.create(
            office=site.office, unit=unit, until=timezone.localdate() + datetime.timedelta(days=5), reason="No-shows"
        )
    with pytest.raises(services.BookingRefused) as refused:
        services.book_for_household(desk, unit, court, starts(), 2)
    assert refused.value.code == code and code in services.OVERRIDABLE

    booking = services.book_for_household(desk, unit, court, starts(), 2, override_reason="Manager approved")
    assert booking.override_reason == "Manager approved"
    assert "Manager approved" in booking.events.get().note


@pytest.mark.parametrize(
    "starts, people, code",
    [
        (lambda: at(-1, 10), 2, "past"),
        (lambda: at(2, 23), 2, "hours"),
        (lambda: at(2, 10), 9, "capacity"),
    ],
)
def test_an_override_never_breaks_time_or_capacity(unit, court, desk, starts, people, code):
    with pytest.raises(services.BookingRefused) as refused:
        services.book_for_household(desk, unit, court, starts(), people, override_reason="VIP")
    assert refused.value.code == code


def test_an_override_never_overbooks(site, resident, unit, neighbour_home, court, desk):
    services.book(resident, unit, court, at(2, 10), 2, "household")
    with pytest.raises(services.BookingRefused) as refused:
        services.book_for_household(desk, neighbour_home[0], court, at(2, 10), 2, override_reason="VIP")
    assert refused.value.code == "full"


def test_staff_of_another_office_cannot_book_here(unit, court, other_desk):
    with pytest.raises(PermissionDenied):
        services.book_for_household(other_desk, unit, court, at(2, 10), 2)


def test_the_unit_picker_finds_households_by_number_name_or_phone(site, other_site, desk, resident, unit):
    household(site, "0303", full_name="Chen Hua", phone="13912345678")
    household(other_site, "1201", full_name="Somebody Else")

    assert [u.number for u in desk_lookup.search_units(desk, "1201")] == ["1201"]  # not the other office's
    assert [u.number for u in desk_lookup.search_units(desk, "3-1201")] == ["1201"]
    assert [u.number for u in desk_lookup.search_units(desk, "chen")] == ["0303"]
    assert [u.number for u in desk_lookup.search_units(desk, "1391234")] == ["0303"]
    assert list(desk_lookup.search_units(desk, "")) == []


def test_the_desk_books_through_the_screen(client, site, resident, unit, court, desk):
    client.force_login(desk)
    found = client.get(reverse("clubhouse_desk_book"), {"q": "Li Ming"}).content.decode()
    assert "Book for this household" in found and str(unit) in found

    form = client.get(reverse("clubhouse_desk_book"), {"unit": unit.pk}).content.decode()
    assert "Tennis court" in form
    day = timezone.localtime(at(10, 10)).date().isoformat()
    refused = client.post(
        reverse("clubhouse_desk_book"),
        {"unit": unit.pk, "facility": court.pk, "date": day, "time": "10:00", "people": "2"},
    ).content.decode()
    assert "at most 7 days ahead" in refused and "give the reason" in refused
    assert not Booking.objects.exists()

    response = client.post(
        reverse("clubhouse_desk_book"),
        {
            "unit": unit.pk,
            "facility": court.pk,
            "date": day,
            "time": "10:00",
            "people": "2",
            "override_reason": "Tournament",
        },
    )
    assert response.status_code == 302
    assert Booking.objects.get().override_reason == "Tournament"


def test_the_desk_lists_bookings_over_several_days_with_filters(client, site, resident, unit, neighbour_home, desk):
    gym = make_facility(site.community, name="Gym")
    pool = make_facility(site.community, name="Pool")
    first = services.book(resident, unit, gym, at(1, 9), 1)
    second = services.book(resident, unit, pool, at(3, 9), 1)
    third = services.book(neighbour_home[1], neighbour_home[0], gym, at(3, 11), 1)
    services.cancel_booking(third, neighbour_home[1])
    later = services.book(resident, unit, gym, at(9, 9), 1)

    client.force_login(desk)
    start, end = timezone.localdate().isoformat(), (timezone.localdate() + datetime.timedelta(days=4)).isoformat()
    url = reverse("clubhouse_desk")

    def refs(**params):
        page = client.get(url, {"start": start, "end": end, **params}).content.decode()
        return {b.reference for b in (first, second, third, later) if b.reference in page}

    assert refs() == {first.reference, second.reference, third.reference}
    assert refs(facility=gym.pk) == {first.reference, third.reference}
    assert refs(status="cancelled") == {third.reference}
    assert refs(q="1202") == {third.reference}
    assert refs(q=second.reference) == {second.reference}

"""Announcing a closure cancels the bookings in it with full refunds, drops their waitlists, and tells everyone."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.billing.models import Bill
from commerce.ledger.services import household_balance
from commerce.payments.models import Refund
from commerce.payments.services import record_desk_payment
from notifications.models import Notification
from portal.clubhouse import closures, services
from portal.clubhouse.models import Booking, BookingDeposit, Closure, Slot, WaitlistEntry

from .conftest import at, household, make_facility

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(site):
    return make_facility(
        site.community,
        name="Hall",
        capacity=10,
        exclusive=True,
        price=Decimal("200.00"),
        deposit=Decimal("300.00"),
        cancel_hours=72,
        late_refund_percent=0,
        slot_minutes=120,
    )


def test_a_closure_cancels_bookings_with_full_refunds_and_drops_the_waitlist(
    site, resident, unit, neighbour_home, hall, manager, desk, django_capture_on_commit_callbacks
):
    # Inside the 72-hour deadline: a resident cancelling would get nothing back; a closure refunds everything.
    booking = services.book(resident, unit, hall, at(1, 10), 5, "household")
    record_desk_payment(desk, unit, "500.00", "cash")
    neighbour_unit, neighbour = neighbour_home
    entry = services.join_waitlist(neighbour, neighbour_unit, hall, at(1, 10), 3, "household")
    untouched = services.book(resident, unit, hall, at(1, 14), 5, "household")

    with django_capture_on_commit_callbacks(execute=True):
        closure, outcome = closures.announce_closure(manager, hall, at(1, 8), at(1, 12), "Burst pipe")

    assert [b.pk for b in outcome.cancelled] == [booking.pk] and [e.pk for e in outcome.dropped] == [entry.pk]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.refunded == Decimal("200.00")
    assert BookingDeposit.objects.get(booking=booking).status == BookingDeposit.Status.RETURNED
    assert sorted(Refund.objects.values_list("amount", flat=True)) == [Decimal("200.00"), Decimal("300.00")]
    assert Slot.objects.get(starts_at=at(1, 10)).taken == 0
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.LAPSED and "Burst pipe" in entry.note
    assert not Booking.objects.filter(unit=neighbour_unit).exists()  # nobody promoted into the closure

    notice = Notification.objects.get(recipient=resident, event="clubhouse.closure_cancelled")
    # Written in the resident's language (Chinese by default): the reason, the booking and the refund are in it.
    assert "Burst pipe" in notice.body and booking.reference in notice.body and "¥500.00" in notice.body
    assert Notification.objects.filter(recipient=neighbour, event="clubhouse.waitlist_closed").exists()

    untouched.refresh_from_db()
    assert untouched.status == Booking.Status.CONFIRMED
    # The paid booking's money is back; the untouched one's fee and deposit are still owed.
    assert household_balance(unit) == Decimal("500.00")


def test_a_household_charged_booking_is_voided_by_a_closure(site, resident, unit, hall, manager):
    booking = services.book(resident, unit, hall, at(2, 10), 5, "household")
    closures.announce_closure(manager, hall, at(2, 0), at(3, 0), "Public holiday")

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Bill.objects.get(pk=booking.bill_id).status == Bill.Status.VOIDED
    assert household_balance(unit) == Decimal("0.00")


def test_a_closure_shows_on_the_calendar_and_home_and_refuses_bookings(client, resident, unit, hall, manager):
    closures.announce_closure(manager, hall, at(2, 8), at(2, 22), "Floor polishing")
    client.force_login(resident)

    home = client.get(reverse("clubhouse:home")).content.decode()
    assert "Floor polishing" in home
    week = timezone.localtime(at(2, 8)).date().isoformat()
    calendar = client.get(reverse("clubhouse:facility", args=[hall.pk]), {"week": week}).content.decode()
    assert "Floor polishing" in calendar
    with pytest.raises(services.BookingRefused) as refused:
        services.book(resident, unit, hall, at(2, 10), 2, "household")
    assert refused.value.code == "closure"


def test_only_a_manager_announces_a_closure_and_it_needs_a_reason(hall, desk, manager):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        closures.announce_closure(desk, hall, at(2, 8), at(2, 12), "Maintenance")
    with pytest.raises(ValidationError):
        closures.announce_closure(manager, hall, at(2, 8), at(2, 12), "  ")
    with pytest.raises(ValidationError):
        closures.announce_closure(manager, hall, at(2, 12), at(2, 8), "Maintenance")
    assert not Closure.objects.exists()


def test_the_back_office_closure_form_cancels_the_bookings(
    client, site, resident, unit, hall, manager, django_capture_on_commit_callbacks
):
    booking = services.book(resident, unit, hall, at(3, 10), 5, "household")
    client.force_login(manager)
    fmt = "%Y-%m-%d %H:%M"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("clubhouse_closure:add"),
            {
                "facility": hall.pk,
                "starts_at": timezone.localtime(at(3, 8)).strftime(fmt),
                "ends_at": timezone.localtime(at(3, 18)).strftime(fmt),
                "reason": "Repainting",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Notification.objects.filter(recipient=resident, event="clubhouse.closure_cancelled").exists()


def test_a_second_household_gets_the_notice_when_the_desk_booked_for_it(
    site, hall, desk, manager, django_capture_on_commit_callbacks
):
    unit, first = household(site, "0901", full_name="Ma Li")
    from tests.factories import AccountFactory, ResidentMembershipFactory

    second = AccountFactory(full_name="Ma Jun")
    ResidentMembershipFactory(user=second, unit=unit)
    services.book_for_household(desk, unit, hall, at(2, 10), 4)
    with django_capture_on_commit_callbacks(execute=True):
        closures.announce_closure(manager, hall, at(2, 8), at(2, 12), "Inspection")
    notified = set(
        Notification.objects.filter(event="clubhouse.closure_cancelled").values_list("recipient__full_name", flat=True)
    )
    assert notified == {"Ma Li", "Ma Jun"}

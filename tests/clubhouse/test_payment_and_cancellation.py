"""Paying online confirms through the bill-paid hook; cancelling refunds by the deadline; the waitlist moves up."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.billing.models import Bill
from commerce.ledger.services import household_balance
from commerce.payments.models import Payment, Refund
from notifications.models import Notification
from portal.clubhouse import services
from portal.clubhouse.models import Booking, Slot, WaitlistEntry

from .conftest import at, household

pytestmark = pytest.mark.django_db


def _pay_at_the_dummy_gateway(client, response, capture):
    assert response.status_code == 302 and "/pay/test-gateway/" in response["Location"]
    with capture(execute=True):
        return client.post(response["Location"], {"outcome": "pay"})


def test_paying_online_confirms_the_booking_and_notifies(
    client, resident, unit, room, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    key = at(2, 10).strftime("%Y-%m-%dT%H:%M")
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("clubhouse:book", args=[room.pk]), {"at": key, "people": "8", "method": "online"})
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.PENDING and Slot.objects.get().taken == 30  # the place is held

    _pay_at_the_dummy_gateway(client, started, django_capture_on_commit_callbacks)

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED
    assert Notification.objects.filter(recipient=resident, event="clubhouse.booking_confirmed").count() == 1


def test_a_declined_payment_leaves_the_booking_awaiting_payment(
    client, resident, unit, room, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    started = client.post(
        reverse("clubhouse:book", args=[room.pk]),
        {"at": at(2, 10).strftime("%Y-%m-%dT%H:%M"), "people": "8", "method": "online"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(started["Location"], {"outcome": "decline"})
    assert Booking.objects.get().status == Booking.Status.PENDING


def test_unpaid_online_bookings_are_released_after_the_payment_window(resident, unit, room, settings):
    settings.CLUBHOUSE_PAYMENT_MINUTES = 30
    booking = services.book(resident, unit, room, at(2, 10), 2, "online")

    assert services.release_unpaid(timezone.now() + datetime.timedelta(minutes=10)) == 0
    assert services.release_unpaid(timezone.now() + datetime.timedelta(minutes=31)) == 1

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and Slot.objects.get().taken == 0
    assert booking.bill.__class__.objects.get(pk=booking.bill_id).status == Bill.Status.VOIDED
    assert household_balance(unit) == Decimal("0.00")


def test_cancelling_before_the_deadline_refunds_in_full(
    client, resident, unit, room, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    started = client.post(
        reverse("clubhouse:book", args=[room.pk]),
        {"at": at(3, 10).strftime("%Y-%m-%dT%H:%M"), "people": "8", "method": "online"},
    )
    _pay_at_the_dummy_gateway(client, started, django_capture_on_commit_callbacks)
    booking = Booking.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("clubhouse:cancel", args=[booking.pk]))

    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.refunded == Decimal("200.00")
    assert Bill.objects.get().status == Bill.Status.VOIDED
    assert Refund.objects.get().amount == Decimal("200.00")
    assert household_balance(unit) == Decimal("0.00")


def test_cancelling_after_the_deadline_refunds_the_late_share(resident, unit, room):
    booking = services.book(resident, unit, room, at(2, 10), 8, "household")

    late = booking.slot.starts_at - datetime.timedelta(hours=3)
    booking = services.cancel_booking(booking, resident, now=late)

    assert booking.refunded == Decimal("100.00")  # 50 percent back, 50 percent kept
    assert household_balance(unit) == Decimal("100.00")
    assert Slot.objects.get().taken == 0


def test_a_paid_booking_cancelled_late_refunds_only_the_late_share_online(
    client, resident, unit, room, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    started = client.post(
        reverse("clubhouse:book", args=[room.pk]),
        {"at": at(2, 10).strftime("%Y-%m-%dT%H:%M"), "people": "8", "method": "online"},
    )
    _pay_at_the_dummy_gateway(client, started, django_capture_on_commit_callbacks)
    booking = Booking.objects.get()

    services.cancel_booking(booking, resident, now=booking.slot.starts_at - datetime.timedelta(hours=2))

    assert Refund.objects.get().amount == Decimal("100.00")


def test_a_started_booking_cannot_be_cancelled_by_the_resident(resident, unit, gym):
    booking = services.book(resident, unit, gym, at(1, 10), 1)
    with pytest.raises(services.BookingRefused) as refused:
        services.cancel_booking(booking, resident, now=booking.slot.starts_at + datetime.timedelta(minutes=1))
    assert refused.value.code == "started"


def test_cancelling_twice_changes_nothing_more(resident, unit, room):
    booking = services.book(resident, unit, room, at(3, 10), 2, "household")
    services.cancel_booking(booking, resident)
    again = services.cancel_booking(booking, resident)
    assert again.status == "cancelled" and Slot.objects.get().taken == 0 and household_balance(unit) == Decimal("0.00")


# --- the waitlist ---------------------------------------------------------------------------


def test_a_full_slot_offers_the_waitlist_and_a_cancellation_promotes_the_first_in_line(
    resident, unit, site, room, django_capture_on_commit_callbacks
):
    booking = services.book(resident, unit, room, at(3, 10), 10, "household")
    second_unit, second = household(site, "1301")
    third_unit, third = household(site, "1401")
    first_in_line = services.join_waitlist(second, second_unit, room, at(3, 10), 6, "household")
    services.join_waitlist(third, third_unit, room, at(3, 10), 4, "household")

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(booking, resident)

    first_in_line.refresh_from_db()
    assert first_in_line.status == WaitlistEntry.Status.PROMOTED
    promoted = first_in_line.booking
    assert promoted.unit == second_unit and promoted.status == "confirmed" and promoted.from_waitlist
    assert household_balance(second_unit) == Decimal("200.00")
    assert WaitlistEntry.objects.filter(status="waiting").get().unit == third_unit
    assert Notification.objects.filter(recipient=second, event="clubhouse.waitlist_promoted").exists()
    assert not Notification.objects.filter(recipient=third).exists()


def test_an_online_waitlist_entry_gets_a_held_booking_to_pay(resident, unit, site, room):
    booking = services.book(resident, unit, room, at(3, 10), 10, "household")
    second_unit, second = household(site, "1301")
    services.join_waitlist(second, second_unit, room, at(3, 10), 6, "online")
    services.cancel_booking(booking, resident)
    promoted = Booking.objects.get(unit=second_unit)
    assert promoted.status == Booking.Status.PENDING and promoted.bill.source == f"clubhouse:booking:{promoted.pk}"


def test_the_waitlist_is_refused_while_there_is_room(resident, unit, gym):
    with pytest.raises(services.BookingRefused) as refused:
        services.join_waitlist(resident, unit, gym, at(1, 10), 1)
    assert refused.value.code == "not_full"


def test_a_household_joins_the_waitlist_of_a_slot_only_once(resident, unit, site, room):
    other_unit, other = household(site, "1301")
    services.book(other, other_unit, room, at(3, 10), 2, "household")
    services.join_waitlist(resident, unit, room, at(3, 10), 2, "household")
    with pytest.raises(services.BookingRefused) as refused:
        services.join_waitlist(resident, unit, room, at(3, 10), 2, "household")
    assert refused.value.code == "duplicate"


def test_a_waitlisted_household_that_was_suspended_meanwhile_lapses(resident, unit, site, room):
    from portal.clubhouse.models import Suspension

    booking = services.book(resident, unit, room, at(3, 10), 10, "household")
    second_unit, second = household(site, "1301")
    entry = services.join_waitlist(second, second_unit, room, at(3, 10), 6, "household")
    Suspension.objects.create(office=site.office, unit=second_unit, until=timezone.localdate(), reason="no-shows")

    services.cancel_booking(booking, resident)

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.LAPSED and "no-shows" in entry.note
    assert Slot.objects.get().taken == 0


def test_joining_the_waitlist_through_the_booking_page(client, resident, unit, site, room):
    other_unit, other = household(site, "1301")
    services.book(other, other_unit, room, at(3, 10), 2, "household")
    client.force_login(resident)
    url = reverse("clubhouse:book", args=[room.pk])
    key = at(3, 10).strftime("%Y-%m-%dT%H:%M")

    page = client.get(url, {"at": key})
    assert "Join the waitlist" in page.content.decode()
    client.post(url, {"at": key, "people": "3", "method": "household", "action": "waitlist"})

    assert WaitlistEntry.objects.get().unit == unit


def test_reminders_go_once_for_bookings_starting_within_a_day(resident, unit, gym, django_capture_on_commit_callbacks):
    services.book(resident, unit, gym, at(1, 10), 1)
    services.book(resident, unit, gym, at(5, 10), 1)
    soon = at(1, 10) - datetime.timedelta(hours=20)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(soon) == 1
        assert services.send_reminders(soon) == 0

    assert Notification.objects.filter(event="clubhouse.booking_reminder").count() == 1

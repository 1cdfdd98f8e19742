"""Facility deposits: billed with the booking onto "deposits held", returned after use or kept for damage."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from commerce.billing.models import Bill
from commerce.ledger.models import AccountKind
from commerce.ledger.services import balance, household_balance, system_account
from commerce.payments.models import Payment, Refund
from commerce.payments.services import record_desk_payment
from notifications.models import Notification
from portal.clubhouse import deposits, services
from portal.clubhouse.models import Booking, BookingDeposit

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(site):
    from .conftest import make_facility

    return make_facility(
        site.community,
        name="Function room",
        capacity=30,
        exclusive=True,
        price=Decimal("200.00"),
        deposit=Decimal("500.00"),
        slot_minutes=120,
    )


def _held(site):
    return balance(system_account(site.office.region.company, AccountKind.DEPOSITS_HELD, office=site.office))


def _forfeit_income(site):
    return balance(
        system_account(
            site.office.region.company, AccountKind.INCOME, charge_code="deposit-forfeit", office=site.office
        )
    )


def _started(booking, hours=1):
    """A moment just after the booking's slot started."""
    return booking.slot.starts_at + datetime.timedelta(hours=hours)


def test_a_deposit_is_billed_with_the_booking_and_held(site, resident, unit, room):
    booking = services.book(resident, unit, room, at(2, 10), 8, "household")

    deposit = booking.deposit
    assert deposit.amount == Decimal("500.00") and deposit.status == BookingDeposit.Status.HELD
    assert deposit.bill.total == Decimal("500.00") and deposit.bill.source == f"clubhouse:deposit:{booking.pk}"
    assert household_balance(unit) == Decimal("700.00")  # fee and deposit on the household account
    assert _held(site) == Decimal("-500.00")  # a liability: credited, not income


def test_a_free_facility_with_a_deposit_still_asks_how_to_pay(site, resident, unit, room):
    room.price = Decimal("0.00")
    room.save()
    with pytest.raises(services.BookingRefused) as refused:
        services.book(resident, unit, room, at(2, 10), 8, "")
    assert refused.value.code == "payment"
    booking = services.book(resident, unit, room, at(2, 10), 8, "household")
    assert booking.bill is None and booking.deposit.bill.total == Decimal("500.00")


def test_online_booking_waits_for_both_fee_and_deposit(
    client, resident, unit, room, django_capture_on_commit_callbacks
):
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            reverse("clubhouse:book", args=[room.pk]),
            {"at": at(2, 10).strftime("%Y-%m-%dT%H:%M"), "people": "8", "method": "online"},
        )
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.PENDING
    assert "/pay/test-gateway/" in started["Location"]
    payment = Payment.objects.get()
    assert payment.amount == Decimal("700.00")  # one payment for the fee and the deposit

    with django_capture_on_commit_callbacks(execute=True):
        client.post(started["Location"], {"outcome": "pay"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_paying_only_the_fee_does_not_confirm(site, resident, unit, room, desk, django_capture_on_commit_callbacks):
    booking = services.book(resident, unit, room, at(2, 10), 8, "online")
    with django_capture_on_commit_callbacks(execute=True):
        record_desk_payment(desk, unit, "200.00", "cash", bills=[booking.bill])
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        record_desk_payment(desk, unit, "500.00", "cash", bills=[booking.deposit.bill])
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_the_desk_returns_the_deposit_after_use(site, resident, unit, room, desk, django_capture_on_commit_callbacks):
    booking = services.book(resident, unit, room, at(2, 10), 8, "household")
    record_desk_payment(desk, unit, "700.00", "cash")

    with django_capture_on_commit_callbacks(execute=True):
        deposit = deposits.return_deposit(booking.deposit, desk, now=_started(booking))

    assert deposit.status == BookingDeposit.Status.RETURNED and deposit.returned == Decimal("500.00")
    assert Bill.objects.get(pk=deposit.bill_id).status == Bill.Status.VOIDED
    assert _held(site) == Decimal("0.00")
    assert Refund.objects.get().amount == Decimal("500.00")  # cash paid toward the deposit goes back
    assert Notification.objects.filter(recipient=resident, event="clubhouse.deposit_settled").exists()
    # Returning twice changes nothing.
    assert deposits.return_deposit(deposit, desk, now=_started(booking)).status == BookingDeposit.Status.RETURNED
    assert Refund.objects.count() == 1


def test_a_deposit_is_not_settled_before_the_booking_starts(resident, unit, room, desk):
    booking = services.book(resident, unit, room, at(2, 10), 8, "household")
    with pytest.raises(ValidationError) as early:
        deposits.return_deposit(booking.deposit, desk)
    assert early.value.code == "early"


def test_a_manager_keeps_part_of_the_deposit_for_damage(site, resident, unit, room, desk, manager):
    booking = services.book(resident, unit, room, at(2, 10), 8, "household")
    record_desk_payment(desk, unit, "700.00", "cash")

    with pytest.raises(PermissionDenied):
        deposits.keep_deposit(booking.deposit, desk, amount="120", reason="Broken chair", now=_started(booking))
    with pytest.raises(ValidationError) as no_reason:
        deposits.keep_deposit(booking.deposit, manager, amount="120", reason=" ", now=_started(booking))
    assert no_reason.value.code == "reason"
    with pytest.raises(ValidationError) as too_much:
        deposits.keep_deposit(booking.deposit, manager, amount="600", reason="Broken chair", now=_started(booking))
    assert too_much.value.code == "over"

    deposit = deposits.keep_deposit(
        booking.deposit, manager, amount="120.00", reason="Broken chair", now=_started(booking)
    )

    assert deposit.status == BookingDeposit.Status.PARTLY_KEPT
    assert deposit.kept == Decimal("120.00") and deposit.returned == Decimal("380.00")
    assert deposit.reason == "Broken chair" and deposit.forfeit_posting is not None
    assert _held(site) == Decimal("0.00")
    assert _forfeit_income(site) == Decimal("-120.00")
    assert Refund.objects.get().amount == Decimal("380.00")
    assert household_balance(unit) == Decimal("0.00")


def test_keeping_the_whole_deposit_of_an_unpaid_bill_leaves_it_owed(site, resident, unit, room, manager):
    booking = services.book(resident, unit, room, at(2, 10), 8, "household")
    deposit = deposits.keep_deposit(booking.deposit, manager, reason="Carpet burnt", now=_started(booking))

    assert deposit.status == BookingDeposit.Status.KEPT and deposit.kept == Decimal("500.00")
    assert Bill.objects.get(pk=deposit.bill_id).status == Bill.Status.ISSUED
    assert household_balance(unit) == Decimal("700.00") and _held(site) == Decimal("0.00")
    assert _forfeit_income(site) == Decimal("-500.00")
    with pytest.raises(ValidationError):
        deposits.return_deposit(deposit, manager, now=_started(booking))


def test_cancelling_returns_the_whole_deposit(site, resident, unit, room):
    booking = services.book(resident, unit, room, at(5, 10), 8, "household")
    services.cancel_booking(booking, resident)

    deposit = BookingDeposit.objects.get()
    assert deposit.status == BookingDeposit.Status.RETURNED
    assert Bill.objects.get(pk=deposit.bill_id).status == Bill.Status.VOIDED
    assert household_balance(unit) == Decimal("0.00") and _held(site) == Decimal("0.00")


def test_the_resident_sees_the_deposit_state(client, resident, unit, room, manager):
    booking = services.book(resident, unit, room, at(2, 10), 8, "household")
    client.force_login(resident)
    page = client.get(reverse("clubhouse:booking", args=[booking.pk])).content.decode()
    assert "Deposit" in page and "Held" in page and "500.00" in page

    deposits.keep_deposit(booking.deposit, manager, amount="50", reason="Stained tablecloth", now=_started(booking))
    page = client.get(reverse("clubhouse:booking", args=[booking.pk])).content.decode()
    assert "Kept: ¥50.00" in page
    assert "Stained tablecloth" in page and "450.00" in page


def test_the_desk_screen_returns_and_keeps_deposits(client, site, resident, unit, room, desk, manager, monkeypatch):
    # Book for tomorrow, then look at the desk as if the slot had started.
    booking = services.book(resident, unit, room, at(1, 10), 8, "household")
    later = _started(booking)
    monkeypatch.setattr(timezone, "now", lambda: later)
    day = timezone.localtime(booking.slot.starts_at).date().isoformat()

    client.force_login(desk)
    page = client.get(reverse("clubhouse_desk"), {"day": day}).content.decode()
    assert "Return deposit" in page and "Keep deposit" not in page  # keeping is for managers

    client.force_login(manager)
    page = client.get(reverse("clubhouse_desk"), {"day": day}).content.decode()
    assert "Keep deposit" in page
    response = client.post(
        reverse("clubhouse_desk"),
        {"booking": booking.pk, "action": "keep_deposit", "amount": "", "reason": "Broken window"},
    )
    assert response.status_code == 302
    deposit = BookingDeposit.objects.get()
    assert deposit.status == BookingDeposit.Status.KEPT and deposit.reason == "Broken window"

"""Other apps' charges: told when paid (bill-paid hook), cancelled with the money paid toward them refunded."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commerce.adjustments.models import BillAdjustment
from commerce.billing import one_off
from commerce.billing.models import Bill
from commerce.ledger.services import household_balance
from commerce.payments import hooks, services
from commerce.payments.models import Payment, Refund, RefundAllocation
from tests.billing.conftest import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_bills(monkeypatch):
    """Register a handler for the app "tests" and record what it is told."""
    told = []
    monkeypatch.setitem(hooks._BILL_PAID, "tests", [told.append])
    return told


@pytest.fixture
def booking_item(site):
    return make_item(site.office, "one_off", code="clubhouse", price="60.00")


@pytest.fixture
def charge(unit, booking_item):
    return one_off.issue_charge(unit, booking_item, "60.00", key="tests:booking:1", source="tests:booking:1")


def test_the_source_is_kept_on_the_bill(charge):
    assert Bill.objects.get(pk=charge.pk).source == "tests:booking:1"


def test_a_desk_payment_in_full_tells_the_app_after_the_commit(
    clerk, unit, charge, paid_bills, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.record_desk_payment(clerk, unit, "60.00", Payment.Method.CASH, bills=[charge])
    assert paid_bills == [charge]


def test_a_part_payment_tells_nothing(clerk, unit, charge, paid_bills, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.record_desk_payment(clerk, unit, "20.00", Payment.Method.CASH, bills=[charge])
    assert paid_bills == []


def test_a_prepayment_that_settles_a_new_charge_tells_the_app(
    clerk, unit, booking_item, paid_bills, django_capture_on_commit_callbacks
):
    services.record_desk_payment(clerk, unit, "100.00", Payment.Method.CASH, prepayment=True)
    with django_capture_on_commit_callbacks(execute=True):
        bill = one_off.issue_charge(unit, booking_item, "60.00", key="tests:booking:2", source="tests:booking:2")
    assert paid_bills == [bill]


def test_an_online_payment_tells_the_app_when_it_succeeds(
    resident, unit, charge, paid_bills, django_capture_on_commit_callbacks
):
    payment = services.pay_online(resident, unit, [charge])
    assert paid_bills == []
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_succeeded(payment)
    assert paid_bills == [charge]


def test_cancelling_an_unpaid_charge_voids_the_bill_and_clears_the_household(unit, charge):
    cancelled = one_off.cancel_charge(charge, reason="Booking cancelled")
    assert cancelled.status == Bill.Status.VOIDED and cancelled.reversal is not None
    assert household_balance(unit) == Decimal("0.00")
    assert not Refund.objects.exists()
    assert one_off.cancel_charge(charge, reason="again") == cancelled


def test_cancelling_a_paid_charge_refunds_it_once_from_that_bill_only(clerk, unit, charge, booking_item):
    other = one_off.issue_charge(unit, booking_item, "60.00", key="tests:booking:9", source="tests:booking:9")
    payment = services.record_desk_payment(clerk, unit, "120.00", Payment.Method.CASH, bills=[charge, other])

    one_off.cancel_charge(charge, reason="Booking cancelled")
    one_off.cancel_charge(charge, reason="Booking cancelled")

    refund = Refund.objects.get()
    assert (refund.payment, refund.amount, refund.status) == (payment, Decimal("60.00"), Refund.Status.SUCCEEDED)
    assert [(a.bill, a.amount) for a in RefundAllocation.objects.all()] == [(charge, Decimal("60.00"))]
    assert services.outstanding(other) == Decimal("0.00")
    assert household_balance(unit) == Decimal("0.00")


def test_a_cancellation_fee_keeps_part_of_the_charge_and_refunds_the_rest(clerk, unit, charge):
    services.record_desk_payment(clerk, unit, "60.00", Payment.Method.CASH, bills=[charge])

    kept = one_off.cancel_charge(charge, reason="Late cancellation", keep=Decimal("30.00"))
    one_off.cancel_charge(charge, reason="Late cancellation", keep=Decimal("30.00"))

    assert kept.status == Bill.Status.ISSUED
    assert BillAdjustment.objects.get(bill=charge).amount == Decimal("-30.00")
    assert Refund.objects.get().amount == Decimal("30.00")
    assert services.outstanding(kept) == Decimal("0.00")
    assert household_balance(unit) == Decimal("0.00")


def test_cancelling_an_online_payment_refunds_through_the_gateway(resident, unit, charge):
    payment = services.mark_succeeded(services.pay_online(resident, unit, [charge]))
    one_off.cancel_charge(charge, reason="Order rejected")
    refund = Refund.objects.get(payment=payment)
    assert refund.amount == Decimal("60.00") and refund.status == Refund.Status.SUCCEEDED
    assert household_balance(unit) == Decimal("0.00")


def test_only_one_off_charges_can_be_cancelled_and_never_above_their_total(unit, charge, bills):
    with pytest.raises(ValidationError):
        one_off.cancel_charge(bills[0], reason="x")
    with pytest.raises(ValidationError):
        one_off.cancel_charge(charge, reason="x", keep=Decimal("61"))

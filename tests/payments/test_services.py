"""The rules of paying: amounts, prepayments, receipt numbers, transitions, the gateway check."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from commerce.ledger.services import household_balance
from commerce.payments import services
from commerce.payments.gateways import GatewayUnavailable, get_gateway
from commerce.payments.models import Payment
from tests.billing.conftest import make_item
from tests.factories import UnitFactory

from .conftest import run_month

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-10", "negative"), ("0", "more than zero"), ("0.00", "more than zero"), ("10.001", "2 decimal places")],
)
def test_negative_zero_and_over_precise_amounts_are_refused(clerk, unit, bills, amount, message):
    with pytest.raises(ValidationError, match=message):
        services.record_desk_payment(clerk, unit, amount, "cash")
    assert not Payment.objects.exists()
    assert household_balance(unit) == Decimal("200.00")


def test_a_partial_desk_payment_settles_the_oldest_bill_first(clerk, unit, bills):
    payment = services.record_desk_payment(clerk, unit, "150", "card")
    assert services.outstanding(bills[0]) == 0
    assert services.outstanding(bills[1]) == Decimal("50.00")
    assert payment.prepaid_amount == 0
    assert household_balance(unit) == Decimal("50.00")


def test_overpayment_is_refused_unless_taken_as_a_prepayment(clerk, unit, bills):
    with pytest.raises(ValidationError, match="prepayment"):
        services.record_desk_payment(clerk, unit, "250", "cash")
    payment = services.record_desk_payment(clerk, unit, "250", "cash", prepayment=True)
    assert payment.prepaid_amount == Decimal("50.00")
    assert household_balance(unit) == Decimal("-50.00")


def test_online_money_beyond_what_is_due_stays_as_prepayment(clerk, resident, unit, bills):
    payment = services.pay_online(resident, unit, bills, gateway="dummy")
    services.record_desk_payment(clerk, unit, "100", "cash", bills=[bills[0]])
    payment = services.mark_succeeded(payment, "dummy-1")
    assert payment.prepaid_amount == Decimal("100.00")
    assert household_balance(unit) == Decimal("-100.00")


def test_a_settled_bill_is_refused_at_the_desk_unless_it_is_a_prepayment(clerk, unit, bills):
    services.record_desk_payment(clerk, unit, "100", "cash", bills=[bills[0]])
    with pytest.raises(ValidationError, match="already settled"):
        services.record_desk_payment(clerk, unit, "100", "cash", bills=[bills[0]])
    services.record_desk_payment(clerk, unit, "100", "cash", bills=[bills[0]], prepayment=True)
    assert household_balance(unit) == Decimal("0.00")


def test_staff_of_another_office_and_residents_cannot_take_desk_payments(other_clerk, resident, unit, bills):
    for user in (other_clerk, resident):
        with pytest.raises(PermissionDenied):
            services.record_desk_payment(user, unit, "100", "cash")
    assert not Payment.objects.exists()


def test_a_resident_cannot_pay_online_for_another_household(neighbour, unit, bills):
    with pytest.raises(PermissionDenied):
        services.pay_online(neighbour, unit, bills)


def test_receipt_numbers_are_sequential_per_office(clerk, other_clerk, unit, other_site, bills):
    numbers = [services.record_desk_payment(clerk, unit, "50", "cash").receipt_number for _ in range(3)]
    office = unit.building.community.office
    year = numbers[0].split("-")[-2]
    assert numbers == [f"R-{office.code}-{year}-{n:06d}" for n in (1, 2, 3)]
    other_unit = UnitFactory(building=other_site.building, grid=other_site.grid, number="0101", floor=1)
    make_item(other_site.office, "fixed_per_unit", price="80.00")
    run_month(other_site.office, 2025, 1)
    other = services.record_desk_payment(other_clerk, other_unit, "80", "qr")
    assert other.receipt_number == f"R-{other_site.office.code}-{year}-000001"


@pytest.mark.parametrize(
    ("start", "target"),
    [("succeeded", "pending"), ("failed", "succeeded"), ("cancelled", "pending"), ("pending", "created")],
)
def test_transitions_outside_the_table_raise(clerk, unit, bills, start, target):
    payment = Payment(office=unit.building.community.office, unit=unit, amount=1, currency="CNY", status=start)
    with pytest.raises(ValidationError, match="cannot go from"):
        payment.check_transition(target)


def test_a_failed_payment_cannot_succeed_later(resident, unit, bills):
    payment = services.mark_failed(services.pay_online(resident, unit, bills), "declined")
    with pytest.raises(ValidationError):
        services.mark_succeeded(payment, "late")
    assert household_balance(unit) == Decimal("200.00")


def test_the_system_check_refuses_the_dummy_gateway_with_debug_off(settings):
    settings.PAYMENT_GATEWAY = "dummy"
    settings.DEBUG = False
    with pytest.raises(SystemCheckError, match="payments.E001"):
        call_command("check")
    settings.DEBUG = True
    call_command("check")


def test_stripe_without_keys_is_refused_clearly_at_payment_time(settings):
    settings.PAYMENT_GATEWAY = "stripe"
    with pytest.raises(GatewayUnavailable, match="Stripe"):
        get_gateway()

"""Prepayments settle new bills automatically (预收冲应收), oldest payment and oldest bill first."""

from decimal import Decimal

import pytest

from commerce.billing.models import Bill
from commerce.ledger.services import from_cents, household_balance, sum_in_cents
from commerce.payments import services
from commerce.payments.models import Payment, PaymentAllocation
from commerce.payments.prepayments import apply_prepayments
from tests.billing.conftest import make_item
from tests.payments.conftest import run_month

pytestmark = pytest.mark.django_db


def unapplied_prepayment(unit):
    paid = Payment.objects.filter(unit=unit, status=Payment.Status.SUCCEEDED)
    return from_cents(paid.aggregate(cents=sum_in_cents("prepaid_amount"))["cents"])


@pytest.fixture
def monthly_fee(site):
    return make_item(site.office, "fixed_per_unit", price="100.00")


def test_a_new_bill_is_settled_from_the_prepayment_and_the_allocation_is_recorded(site, unit, clerk, monthly_fee):
    prepaid = services.record_desk_payment(clerk, unit, "250.00", Payment.Method.CASH, prepayment=True)
    assert prepaid.prepaid_amount == Decimal("250.00")

    jan = run_month(site.office, 2025, 1).bills.get(unit=unit)
    feb = run_month(site.office, 2025, 2).bills.get(unit=unit)
    mar = run_month(site.office, 2025, 3).bills.get(unit=unit)

    owed = services.outstanding_by_bill([jan, feb, mar])
    assert owed == {jan.pk: Decimal("0.00"), feb.pk: Decimal("0.00"), mar.pk: Decimal("50.00")}
    assert list(
        PaymentAllocation.objects.filter(payment=prepaid)
        .order_by("bill__period_start")
        .values_list("bill__period_start__month", "amount")
    ) == [(1, Decimal("100.00")), (2, Decimal("100.00")), (3, Decimal("50.00"))]
    prepaid.refresh_from_db()
    assert prepaid.prepaid_amount == Decimal("0.00")
    assert unapplied_prepayment(unit) == Decimal("0.00")
    # The ledger already held the credit: balance is bills minus money paid.
    assert household_balance(unit) == Decimal("50.00")


def test_the_oldest_prepayment_is_used_first_and_applying_again_changes_nothing(site, unit, clerk, monthly_fee):
    first = services.record_desk_payment(clerk, unit, "60.00", Payment.Method.CASH, prepayment=True)
    second = services.record_desk_payment(clerk, unit, "60.00", Payment.Method.QR, prepayment=True)

    jan = run_month(site.office, 2025, 1).bills.get(unit=unit)

    allocations = dict(PaymentAllocation.objects.filter(bill=jan).values_list("payment_id", "amount"))
    assert allocations == {first.pk: Decimal("60.00"), second.pk: Decimal("40.00")}
    assert apply_prepayments(unit) == []
    assert PaymentAllocation.objects.filter(bill=jan).count() == 2
    assert unapplied_prepayment(unit) == Decimal("20.00")
    assert services.outstanding(jan) == Decimal("0.00")


def test_prepayment_never_settles_a_neighbours_bill_nor_a_developer_bill(
    site, unit, neighbour_unit, clerk, monthly_fee
):
    services.record_desk_payment(clerk, unit, "500.00", Payment.Method.CASH, prepayment=True)

    run = run_month(site.office, 2025, 1)

    neighbour_bill = run.bills.get(unit=neighbour_unit)
    assert services.outstanding(neighbour_bill) == Decimal("100.00")
    assert not Bill.objects.filter(payer=Bill.Payer.DEVELOPER, allocations__isnull=False).exists()
    assert unapplied_prepayment(unit) == Decimal("400.00")

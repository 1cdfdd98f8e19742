"""Through the real services, any sequence of bills, one-off charges, payments, prepayments, waivers,
refunds and voided runs keeps the books whole.

After every example: each posting balances; each account's balance is the sum of its entries; each
household's balance is what it was billed (plus adjustments) less what it paid (plus refunds); each
payment's money is accounted for (settled on bills, kept as prepayment, or refunded); no bill owes a
negative amount or more than it was charged.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commerce.adjustments import waivers
from commerce.adjustments.models import BillAdjustment
from commerce.billing import one_off, runs
from commerce.billing.models import Bill, BillingRun
from commerce.ledger.models import Account, Entry, Posting
from commerce.ledger.services import balance, from_cents, household_balance, sum_in_cents
from commerce.payments import refunds, services
from commerce.payments.models import Payment, PaymentAllocation, Refund, RefundAllocation
from portal.people.models import StaffRole
from tests.billing.conftest import make_item
from tests.factories import UnitFactory
from tests.properties.conftest import staff

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")
cents = st.integers(min_value=1, max_value=40_000).map(lambda n: Decimal(n).scaleb(-2))
which = st.integers(min_value=0, max_value=1)
pick = st.integers(min_value=0, max_value=99)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("bill_month")),
        st.tuples(st.just("one_off"), which, cents),
        st.tuples(st.just("pay"), which, cents),
        st.tuples(st.just("prepay"), which, cents),
        st.tuples(st.just("pay_all_online"), which),
        st.tuples(st.just("refund"), pick, cents),
        st.tuples(st.just("waive"), pick, cents, st.sampled_from(["waiver", "discount"])),
        st.tuples(st.just("void_run"), pick),
    ),
    max_size=18,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_of_money_operations_keeps_the_books_whole(site, ops):
    with transaction.atomic():
        run_ops(site, ops)
        check_books(site)
        transaction.set_rollback(True)  # each example starts from empty books


def run_ops(site, ops):
    clerk = staff(StaffRole.BILLING_CLERK, site.office)
    manager = staff(StaffRole.OFFICE_MANAGER, site.office)
    make_item(site.office, "fixed_per_unit", code="fee", price="100.00")
    extra = make_item(site.office, "one_off", code="extra", price="10.00")
    units = [UnitFactory(building=site.building, grid=site.grid, number=f"{n:04d}") for n in range(2)]
    residents = []
    for unit in units:
        from tests.factories import AccountFactory, ResidentMembershipFactory

        user = AccountFactory()
        ResidentMembershipFactory(user=user, unit=unit)
        residents.append(user)
    month = datetime.date(2025, 1, 1)
    for n, (kind, *args) in enumerate(ops):
        try:
            with transaction.atomic():
                if kind == "bill_month":
                    run = BillingRun.objects.create(
                        office=site.office, period_start=month, period_end=runs.month_bounds(month)[1]
                    )
                    runs.execute_run(run.pk)
                    month = (month + datetime.timedelta(days=32)).replace(day=1)
                elif kind == "one_off":
                    i, amount = args
                    one_off.charge_one_off(
                        clerk, units[i], extra, quantity=1, amount=amount, note="extra", request_key=str(n)
                    )
                elif kind == "pay":
                    i, amount = args
                    services.record_desk_payment(clerk, units[i], amount, Payment.Method.CASH)
                elif kind == "prepay":
                    i, amount = args
                    services.record_desk_payment(clerk, units[i], amount, Payment.Method.QR, prepayment=True)
                elif kind == "pay_all_online":
                    (i,) = args
                    payment = services.pay_online(residents[i], units[i], gateway="dummy")
                    services.mark_succeeded(payment, f"dummy-{payment.pk}")
                elif kind == "refund":
                    index, amount = args
                    paid = list(Payment.objects.filter(status=Payment.Status.SUCCEEDED).order_by("pk"))
                    if paid:
                        payment = paid[index % len(paid)]
                        if payment.method != Payment.Method.ONLINE:
                            refunds.request_refund(clerk, payment, amount, "asked for it back")
                elif kind == "waive":
                    index, amount, adjustment = args
                    issued = list(Bill.objects.filter(status=Bill.Status.ISSUED).order_by("pk"))
                    if issued:
                        request = waivers.request_adjustment(
                            issued[index % len(issued)], clerk, adjustment, "goodwill", amount=amount
                        )
                        waivers.approve(request, manager)
                elif kind == "void_run":
                    (index,) = args
                    done = list(BillingRun.objects.filter(status=BillingRun.Status.DONE).order_by("pk"))
                    if done:
                        runs.void_run(done[index % len(done)], manager, "wrong")
        except ValidationError:
            pass  # a refusal (over-payment, over-refund, paid run…) must change nothing: checked below


def _sum(queryset, field="amount"):
    return from_cents(queryset.aggregate(cents=sum_in_cents(field))["cents"])


def check_books(site):
    assert not Entry.objects.values("posting").annotate(total=sum_in_cents()).exclude(total=0).exists()
    assert not Posting.objects.filter(entries__isnull=True).exists()
    for account in Account.objects.all():
        assert balance(account) == sum((e.amount for e in account.entries.all()), ZERO)

    succeeded = Payment.objects.filter(status=Payment.Status.SUCCEEDED)
    done_refunds = Refund.objects.filter(status=Refund.Status.SUCCEEDED)
    for unit_id in Bill.objects.values_list("unit_id", flat=True).distinct():
        unit = Bill.objects.filter(unit_id=unit_id).first().unit
        household = Bill.objects.filter(unit=unit, payer=Bill.Payer.HOUSEHOLD, status=Bill.Status.ISSUED)
        expected = (
            _sum(household, "total")
            + _sum(BillAdjustment.objects.filter(bill__in=household))
            - _sum(succeeded.filter(unit=unit))
            + _sum(done_refunds.filter(payment__unit=unit))
        )
        assert household_balance(unit) == expected

    for payment in succeeded:
        settled = _sum(PaymentAllocation.objects.filter(payment=payment))
        taken_back = _sum(RefundAllocation.objects.filter(refund__in=done_refunds.filter(payment=payment)))
        refunded = _sum(done_refunds.filter(payment=payment))
        assert payment.prepaid_amount >= 0
        assert payment.amount - refunded == settled - taken_back + payment.prepaid_amount

    bills = list(Bill.objects.filter(status=Bill.Status.ISSUED))
    owed = services.outstanding_by_bill(bills)
    paid = services.paid_by_bill(bills)
    for bill in bills:
        charged = bill.total + _sum(BillAdjustment.objects.filter(bill=bill))
        assert ZERO <= owed[bill.pk] <= charged
        assert paid[bill.pk] >= 0

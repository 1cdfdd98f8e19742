"""What the platform owes each merchant is held in that merchant's own payable account."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from commerce.ledger import services as ledger
from commerce.ledger.models import Account, AccountKind, Entry
from commerce.marketplace import services
from commerce.marketplace.models import Order, Settlement

pytestmark = pytest.mark.django_db


def _complete(order, merchant):
    services.accept_order(order, by=merchant.owner)
    services.mark_out_for_delivery(order, by=merchant.owner)
    services.complete_order(order, by=merchant.owner)


def _ledger_balanced():
    return sum(Entry.objects.values_list("amount", flat=True), Decimal("0.00")) == 0


def _settle(merchant, platform):
    Order.objects.filter(merchant=merchant).update(paid_at=timezone.now() - datetime.timedelta(days=2))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return services.run_settlement(merchant, yesterday - datetime.timedelta(days=6), yesterday, by=platform)


def test_each_merchant_has_its_own_payable_account(order_for, pay, merchant, other_merchant, apples, rice, company):
    a = order_for(merchant, [(apples, 2)])  # 20.00, fruit 10 %: owed 18.00
    b = order_for(other_merchant, [(rice, 1)])  # 45.00, grocery 5 %: owed 42.75
    pay(a)
    pay(b)
    assert services.owed_to(merchant) == Decimal("18.00")
    assert services.owed_to(other_merchant) == Decimal("42.75")
    own = services.merchant_payable_account(merchant)
    assert own.name == "Merchant payable: Fresh Fruit" and own.company == company
    assert own != services.merchant_payable_account(other_merchant)
    shared = Account.objects.filter(company=company, kind=AccountKind.MERCHANT_PAYABLE, charge_code="")
    assert not Entry.objects.filter(account__in=shared).exists()
    assert _ledger_balanced()


def test_the_statement_reads_the_merchants_account_and_the_payout_clears_it(
    order_for, pay, merchant, other_merchant, apples, rice, platform
):
    kept = order_for(merchant, [(apples, 3)])  # 30.00 − 3.00
    refunded = order_for(merchant, [(apples, 1)])
    theirs = order_for(other_merchant, [(rice, 1)])
    pay(kept, refunded)
    pay(theirs)
    _complete(kept, merchant)
    services.cancel_order(refunded, by=refunded.placed_by, reason="Changed my mind")

    s = _settle(merchant, platform)
    assert (s.order_count, s.gross, s.refunds, s.commission, s.net_payable) == (
        2,
        Decimal("40.00"),
        Decimal("10.00"),
        Decimal("3.00"),
        Decimal("27.00"),
    )
    assert services.payable_from_ledger(merchant, [kept.pk, refunded.pk]) == Decimal("27.00")
    services.record_payout(s, by=platform, reference="BANK-1")
    assert services.owed_to(merchant) == Decimal("0.00")
    assert services.owed_to(other_merchant) == Decimal("42.75")  # untouched
    assert _ledger_balanced()


def test_a_ledger_that_disagrees_with_the_orders_settles_nothing(order_for, pay, merchant, apples, platform):
    order = order_for(merchant, [(apples, 1)])
    pay(order)
    _complete(order, merchant)
    # An order marked paid without its split in the ledger (e.g. by hand in the database).
    stray = order_for(merchant, [(apples, 1)])
    Order.objects.filter(pk=stray.pk).update(status=Order.Status.COMPLETED, paid_at=timezone.now())
    with pytest.raises(ValidationError) as refused:
        _settle(merchant, platform)
    assert refused.value.code == "ledger_mismatch"
    assert not Settlement.objects.exists()
    assert not Order.objects.filter(settlement__isnull=False).exists()


def test_the_migration_moves_what_is_still_owed_from_the_shared_account(
    order_for, pay, merchant, other_merchant, apples, rice, company, platform
):
    """Splits booked before per-merchant accounts: owed ones move, a later cancellation reverses the move."""
    migration = importlib.import_module("commerce.marketplace.migrations.0003_merchant_payable_accounts")
    shared = ledger.system_account(company, AccountKind.MERCHANT_PAYABLE)
    open_order = order_for(merchant, [(apples, 2)])
    paid_out = order_for(merchant, [(apples, 1)])
    cancelled = order_for(other_merchant, [(rice, 1)])
    later_cancelled = order_for(other_merchant, [(rice, 1)])
    legacy = []
    for order in (open_order, paid_out, cancelled, later_cancelled):
        order = Order.objects.get(pk=order.pk)
        Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID, paid_at=timezone.now())
        legacy.append(
            ledger.post(
                key=f"market:order:{order.pk}:split",
                company=company,
                lines=[
                    (ledger.system_account(company, AccountKind.CASH), order.total),
                    (shared, -order.net_payable),
                    (ledger.system_account(company, AccountKind.PLATFORM_COMMISSION), -order.commission),
                ],
                memo="legacy split",
            )
        )
    ledger.reverse(legacy[2], key=f"market:order:{cancelled.pk}:split:reversal", reason="old cancel")
    Order.objects.filter(pk=cancelled.pk).update(status=Order.Status.CANCELLED)
    settlement = Settlement.objects.create(
        merchant=merchant,
        period_start=timezone.localdate(),
        period_end=timezone.localdate(),
        paid_at=timezone.now(),
        net_payable=Decimal("9.00"),
    )
    Order.objects.filter(pk=paid_out.pk).update(settlement=settlement, status=Order.Status.COMPLETED)
    ledger.post(
        key="legacy-payout",
        company=company,
        lines=[(shared, Decimal("9.00")), (ledger.system_account(company, AccountKind.CASH), Decimal("-9.00"))],
        memo="legacy payout",
    )

    migration.move(django_apps, None)
    migration.move(django_apps, None)  # safe to run twice

    assert ledger.balance(shared) == Decimal("0.00")
    assert services.owed_to(merchant) == Decimal("18.00")  # the open order only
    assert services.owed_to(other_merchant) == Decimal("42.75")  # the order cancelled later is still owed
    later = Order.objects.get(pk=later_cancelled.pk)
    services.cancel_order(later, by=platform, reason="Refunded after the switch")
    assert services.owed_to(other_merchant) == Decimal("0.00")
    assert ledger.balance(shared) == Decimal("0.00")
    assert _ledger_balanced()

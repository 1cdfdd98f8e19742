"""Commission and settlement from a fixture with known answers; the ledger balances throughout."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from commerce.ledger.models import AccountKind, Entry
from commerce.ledger.services import balance, system_account
from commerce.marketplace import services
from commerce.marketplace.models import Order, Settlement

from .conftest import make_variant

pytestmark = pytest.mark.django_db


def _ledger_sums_to_zero():
    return sum(Entry.objects.values_list("amount", flat=True), Decimal("0.00")) == 0


@pytest.fixture
def known(order_for, pay, merchant, fruit, grocery):
    """Fresh Fruit sells fruit at 10 % and grocery at 5 %:

    order A: 3 × apples 12.50 (fruit) = 37.50, commission 3.75; plus 2 × rice 20.00 (grocery) = 40.00,
             commission 2.00 → total 77.50, commission 5.75; completed.
    order B: 1 × apples = 12.50, commission 1.25; completed.
    order C: 2 × apples = 25.00, commission 2.50; paid, then cancelled and refunded.
    order D: 1 × apples = 12.50; paid and accepted, still open: not settled yet.
    Statement: 4 orders? no: A, B, C settle (3 orders), sales 115.00, refunds 25.00, commission 7.00,
    net payable 83.00.
    """
    apples = make_variant(merchant, fruit, name="Apples", price="12.50", stock=50)
    rice = make_variant(merchant, grocery, name="Rice", price="20.00", stock=50)
    a = order_for(merchant, [(apples, 3), (rice, 2)])
    b = order_for(merchant, [(apples, 1)])
    c = order_for(merchant, [(apples, 2)])
    d = order_for(merchant, [(apples, 1)])
    pay(a, b, c, d)
    for order in (a, b):
        services.accept_order(order, by=merchant.owner)
        services.mark_out_for_delivery(order, by=merchant.owner)
        services.complete_order(order, by=merchant.owner)
    services.cancel_order(c, by=c.placed_by, reason="Changed my mind")
    services.accept_order(d, by=merchant.owner)
    return {"a": a, "b": b, "c": c, "d": d}


def test_commission_follows_the_category_default_per_line(known):
    a = Order.objects.get(pk=known["a"].pk)
    assert (a.total, a.commission, a.net_payable) == (Decimal("77.50"), Decimal("5.75"), Decimal("71.75"))


def test_a_merchant_override_replaces_the_category_rates(order_for, merchant, fruit, grocery):
    merchant.commission_rate = Decimal("0.0300")
    merchant.save()
    apples = make_variant(merchant, fruit, price="12.50")
    rice = make_variant(merchant, grocery, name="Rice", price="20.00")
    order = order_for(merchant, [(apples, 3), (rice, 2)])
    assert order.commission == Decimal("2.33")  # 37.50 × 3 % = 1.125 → 1.13; 40.00 × 3 % = 1.20


def test_paid_orders_move_from_income_to_merchant_payable_and_commission(known, company, site, merchant):
    income = system_account(company, AccountKind.INCOME, charge_code="market", office=site.office)
    payable = services.merchant_payable_account(merchant)
    commission = system_account(company, AccountKind.PLATFORM_COMMISSION)
    # A, B and D stay paid (77.50 + 12.50 + 12.50 = 102.50, commission 5.75 + 1.25 + 1.25 = 8.25); C is reversed.
    assert balance(income) == Decimal("0.00")
    assert balance(payable) == Decimal("-94.25")
    assert balance(commission) == Decimal("-8.25")
    assert _ledger_sums_to_zero()


def test_the_settlement_statement_has_the_known_figures_and_the_payout_clears_the_payable(
    client, known, merchant, platform, company
):
    today = timezone.localdate()
    client.force_login(platform)
    client.post(
        reverse("market_admin_settlements"),
        {"merchant": merchant.pk, "period_start": today - datetime.timedelta(days=30), "period_end": today},
    )
    assert not Settlement.objects.exists()  # a period that has not ended cannot be settled

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "localdate", lambda: today + datetime.timedelta(days=1))
        response = client.post(
            reverse("market_admin_settlements"),
            {"merchant": merchant.pk, "period_start": today - datetime.timedelta(days=30), "period_end": today},
        )
    assert response.status_code == 302
    s = Settlement.objects.get()
    assert (s.order_count, s.gross, s.refunds, s.commission, s.net_payable) == (
        3,
        Decimal("115.00"),
        Decimal("25.00"),
        Decimal("7.00"),
        Decimal("83.00"),
    )
    assert set(s.orders.values_list("pk", flat=True)) == {known["a"].pk, known["b"].pk, known["c"].pk}

    client.post(reverse("market_admin_settlements"), {"settlement": s.pk, "reference": "BANK-2025-001"})
    s.refresh_from_db()
    assert s.paid_at and s.payout_reference == "BANK-2025-001"
    payable = services.merchant_payable_account(merchant)
    # What is left owed to the merchant is order D's share only (12.50 − 1.25).
    assert balance(payable) == Decimal("-11.25")
    assert _ledger_sums_to_zero()
    with pytest.raises(ValidationError, match="already been paid out"):
        services.record_payout(s, by=platform, reference="again")

    client.force_login(merchant.owner)
    assert b"83.00" in client.get(reverse("market_merchant_settlements", args=[merchant.pk])).content


def test_a_period_is_settled_once_and_an_order_in_one_statement_only(known, merchant, platform):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Order.objects.update(paid_at=timezone.now() - datetime.timedelta(days=2))
    first = services.run_settlement(merchant, yesterday - datetime.timedelta(days=6), yesterday, by=platform)
    assert first.order_count == 3
    with pytest.raises(ValidationError, match="already been settled"):
        services.run_settlement(merchant, yesterday - datetime.timedelta(days=6), yesterday, by=platform)
    second = services.run_settlement(merchant, yesterday - datetime.timedelta(days=7), yesterday, by=platform)
    assert second.order_count == 0 and second.net_payable == 0


def test_the_platform_report_counts_gmv_orders_and_commission(client, known, platform, other_company_hq):
    client.force_login(platform)
    response = client.get(reverse("market_admin_report"))
    body = response.content.decode()
    report = response.context["report"]
    assert report["gmv"] == Decimal("102.50") and report["orders"] == 3 and report["cancelled"] == 1
    assert report["commission"] == Decimal("7.00")
    assert report["top_merchants"][0]["merchant__name"] == "Fresh Fruit"
    assert "<svg" in body and "Apples" in body
    client.force_login(other_company_hq)
    assert client.get(reverse("market_admin_report")).context["report"]["orders"] == 0

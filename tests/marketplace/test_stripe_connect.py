"""Stripe Connect transfers at settlement: the official library, its HTTP calls intercepted with ``responses``."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from commerce.ledger import services as ledger
from commerce.ledger.models import AccountKind
from commerce.marketplace import connect, services
from commerce.marketplace.models import Merchant, Order, Settlement
from tests.payments.stripe_support import API, SECRET_KEY, form

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement(order_for, pay, merchant, apples, platform):
    """One completed order of 3 apples (30.00, 10 % commission): 27.00 owed on last week's statement."""
    order = order_for(merchant, [(apples, 3)])
    pay(order)
    services.accept_order(order, by=merchant.owner)
    services.mark_out_for_delivery(order, by=merchant.owner)
    services.complete_order(order, by=merchant.owner)
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - datetime.timedelta(days=2))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Merchant.objects.filter(pk=merchant.pk).update(stripe_account="acct_1FreshFruit01")
    return services.run_settlement(merchant, yesterday - datetime.timedelta(days=6), yesterday, by=platform)


def transfer_json(transfer_id="tr_test_1", amount=2700):
    return {"id": transfer_id, "object": "transfer", "amount": amount, "currency": "cny"}


def test_a_settlement_is_transferred_once_to_the_connected_account(client, statement, merchant, platform, stripe_api):
    stripe_api.post(f"{API}/v1/transfers", json=transfer_json("tr_test_fresh"))
    client.force_login(platform)
    response = client.post(reverse("market_admin_settlements"), {"settlement": statement.pk, "action": "stripe"})
    assert response.status_code == 302

    (call,) = stripe_api.calls
    sent = form(call)
    assert sent["amount"] == "2700" and sent["currency"] == "cny"
    assert sent["destination"] == "acct_1FreshFruit01"
    assert sent["metadata[settlement_id]"] == str(statement.pk)
    assert call.request.headers["Idempotency-Key"] == f"linli-settlement-{statement.pk}-transfer"
    assert call.request.headers["Authorization"] == f"Bearer {SECRET_KEY}"

    statement.refresh_from_db()
    assert statement.paid_at and statement.payout_reference == "tr_test_fresh"
    assert services.owed_to(merchant) == Decimal("0.00")
    clearing = ledger.system_account(merchant.company, AccountKind.STRIPE_CLEARING)
    assert ledger.balance(clearing) == Decimal("-27.00")

    with pytest.raises(ValidationError, match="already been paid out"):
        connect.transfer_settlement(statement, by=platform)
    assert len(stripe_api.calls) == 1  # no second transfer is even asked for


def test_a_refused_transfer_records_nothing(statement, merchant, platform, stripe_api):
    stripe_api.post(
        f"{API}/v1/transfers",
        status=400,
        json={"error": {"type": "invalid_request_error", "message": "Insufficient funds in your Stripe balance."}},
    )
    with pytest.raises(ValidationError, match="Insufficient funds"):
        connect.transfer_settlement(statement, by=platform)
    statement.refresh_from_db()
    assert statement.paid_at is None and statement.payout_reference == ""
    assert services.owed_to(merchant) == Decimal("27.00")


def test_no_transfer_without_an_account_keys_or_platform_rights(statement, merchant, platform, stripe_settings):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        connect.transfer_settlement(statement, by=merchant.owner)
    stripe_settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(ValidationError, match="not set up"):
        connect.transfer_settlement(statement, by=platform)
    Merchant.objects.filter(pk=merchant.pk).update(stripe_account="")
    statement = Settlement.objects.select_related("merchant").get(pk=statement.pk)
    with pytest.raises(ValidationError, match="no Stripe connected account"):
        connect.transfer_settlement(statement, by=platform)


def test_the_platform_sets_a_well_formed_account_id(client, merchant, platform):
    client.force_login(platform)
    url = reverse("market_admin_merchant", args=[merchant.pk])
    client.post(url, {"action": "stripe", "stripe_account": "not-an-account"})
    assert Merchant.objects.get(pk=merchant.pk).stripe_account == ""
    client.post(url, {"action": "stripe", "stripe_account": " acct_1A2b3C4d5E6f "})
    assert Merchant.objects.get(pk=merchant.pk).stripe_account == "acct_1A2b3C4d5E6f"

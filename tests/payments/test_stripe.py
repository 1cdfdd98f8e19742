"""The Stripe gateway: Checkout Sessions created with the right request; returning never settles a payment."""

from decimal import Decimal

import pytest
import responses
from django.urls import reverse

from commerce.ledger.models import Posting
from commerce.ledger.services import household_balance
from commerce.payments.gateways import GatewayUnavailable, get_gateway
from commerce.payments.gateways.stripe import StripeGateway
from commerce.payments.models import Payment
from tests.payments.stripe_support import (
    API,
    SECRET_KEY,
    form,
    session_json,
)

pytestmark = pytest.mark.django_db


def pay(client, resident, unit, bills):
    client.force_login(resident)
    return client.post(reverse("pay_bills"), {"unit": unit.pk, "bill": [b.pk for b in bills]})


def test_paying_creates_a_checkout_session_with_amount_currency_key_and_metadata(
    client, resident, unit, bills, stripe_api
):
    stripe_api.post(f"{API}/v1/checkout/sessions", json=session_json("cs_test_abc"))
    response = pay(client, resident, unit, bills)
    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_abc"
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.PENDING
    assert payment.gateway == "stripe" and payment.provider_reference == "cs_test_abc"

    (call,) = stripe_api.calls
    sent = form(call)
    assert sent["mode"] == "payment"
    assert sent["line_items[0][price_data][unit_amount]"] == "20000"  # ¥200.00 in fen
    assert sent["line_items[0][price_data][currency]"] == "cny"
    assert sent["line_items[0][quantity]"] == "1"
    assert sent["payment_method_types[0]"] == "card" and "payment_method_types[1]" not in sent
    assert sent["metadata[payment_id]"] == str(payment.pk)
    assert sent["payment_intent_data[metadata][payment_id]"] == str(payment.pk)
    assert sent["client_reference_id"] == str(payment.pk)
    result_url = f"https://linli.example{reverse('payment_result', args=[payment.pk])}"
    assert sent["success_url"] == f"{result_url}?session_id={{CHECKOUT_SESSION_ID}}"
    assert sent["cancel_url"] == f"{result_url}?cancelled=1"
    headers = call.request.headers
    assert headers["Idempotency-Key"] == f"linli-payment-{payment.pk}-checkout"
    assert headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert headers["Stripe-Version"] == "2026-10-28.endive"
    assert household_balance(unit) == Decimal("200.00")


@pytest.mark.parametrize(
    ("types", "wechat_client"),
    [(["card"], None), (["card", "alipay", "wechat_pay"], "web")],
)
def test_payment_method_types_come_from_settings(
    client, resident, unit, bills, stripe_api, settings, types, wechat_client
):
    settings.STRIPE_PAYMENT_METHOD_TYPES = types
    stripe_api.post(f"{API}/v1/checkout/sessions", json=session_json())
    pay(client, resident, unit, bills)
    sent = form(stripe_api.calls[0])
    assert [sent[f"payment_method_types[{i}]"] for i in range(len(types))] == types
    assert sent.get("payment_method_options[wechat_pay][client]") == wechat_client


def test_stripe_api_base_points_the_library_at_another_server(client, resident, unit, bills, stripe_api, settings):
    settings.STRIPE_API_BASE = "http://stripe-mock.internal:12111"
    stripe_api.post("http://stripe-mock.internal:12111/v1/checkout/sessions", json=session_json())
    assert pay(client, resident, unit, bills).status_code == 302
    assert stripe_api.calls[0].request.url.startswith("http://stripe-mock.internal:12111/")


def test_coming_back_from_stripe_does_not_settle_the_payment(client, resident, unit, bills, stripe_api):
    stripe_api.post(f"{API}/v1/checkout/sessions", json=session_json())
    pay(client, resident, unit, bills)
    payment = Payment.objects.get()
    page = client.get(reverse("payment_result", args=[payment.pk]) + "?session_id=cs_test_1")
    assert "being processed" in page.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert not Posting.objects.filter(idempotency_key=f"payment:{payment.pk}").exists()
    assert household_balance(unit) == Decimal("200.00")
    assert len(stripe_api.calls) == 1  # the return asked Stripe nothing


def test_paying_the_same_bills_again_returns_to_the_open_session(client, resident, unit, bills, stripe_api):
    stripe_api.post(f"{API}/v1/checkout/sessions", json=session_json())
    stripe_api.get(f"{API}/v1/checkout/sessions/cs_test_1", json=session_json())
    pay(client, resident, unit, bills)
    again = pay(client, resident, unit, bills)
    assert again["Location"] == "https://checkout.stripe.com/c/pay/cs_test_1"
    assert Payment.objects.count() == 1
    assert [c.request.method for c in stripe_api.calls] == ["POST", "GET"]


def test_an_expired_session_cancels_the_payment_and_asks_to_start_again(client, resident, unit, bills, stripe_api):
    stripe_api.post(f"{API}/v1/checkout/sessions", json=session_json())
    stripe_api.get(f"{API}/v1/checkout/sessions/cs_test_1", json=session_json(status="expired"))
    pay(client, resident, unit, bills)
    page = pay(client, resident, unit, bills)
    assert page["Location"] == reverse("pay_bills")
    messages = [str(m) for m in page.wsgi_request._messages]
    assert messages == ["The payment page at Stripe has expired; start the payment again."]
    assert Payment.objects.get().status == Payment.Status.CANCELLED


def test_stripe_refusing_the_session_leaves_the_payment_unstarted(client, resident, unit, bills, stripe_api):
    stripe_api.post(
        f"{API}/v1/checkout/sessions",
        status=400,
        json={"error": {"type": "invalid_request_error", "message": "Invalid currency: xyz"}},
    )
    response = pay(client, resident, unit, bills)
    assert response["Location"] == reverse("pay_bills")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Stripe refused the request: Invalid currency: xyz"]
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.CREATED and payment.provider_reference == ""


@pytest.mark.parametrize("missing", ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"])
def test_stripe_without_keys_is_unavailable_with_a_clear_message(
    client, resident, unit, bills, stripe_settings, missing
):
    setattr(stripe_settings, missing, "")
    with pytest.raises(GatewayUnavailable, match="no Stripe keys are configured"):
        get_gateway("stripe")
    response = pay(client, resident, unit, bills)
    assert "no Stripe keys are configured" in str(list(response.wsgi_request._messages)[0])
    assert not Payment.objects.exists()


def test_get_gateway_returns_the_stripe_gateway_when_configured(stripe_settings):
    gateway = get_gateway()
    assert isinstance(gateway, StripeGateway) and gateway.name == "stripe"


def test_no_network_is_reached_outside_the_registered_calls(client, resident, unit, bills, stripe_settings):
    with responses.RequestsMock() as mock:
        mock.post(f"{API}/v1/checkout/sessions", json=session_json())
        pay(client, resident, unit, bills)
        assert len(mock.calls) == 1

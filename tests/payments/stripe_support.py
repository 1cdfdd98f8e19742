"""Stripe offline: the library's HTTP calls are intercepted with ``responses``, webhooks signed for real."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from urllib.parse import parse_qs

import pytest
import responses
from django.urls import reverse

from commerce.payments import services
from commerce.payments.models import Payment

SECRET_KEY = "sk_test_linli"
WEBHOOK_SECRET = "whsec_test_linli"
API = "https://api.stripe.com"
_ids = itertools.count(1)


@pytest.fixture
def stripe_settings(settings):
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = ""
    settings.STRIPE_PAYMENT_METHOD_TYPES = ["card"]
    settings.SITE_URL = "https://linli.example"
    return settings


@pytest.fixture
def stripe_api(stripe_settings):
    """Every request to Stripe must be one the test registered; anything else fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def form(call) -> dict[str, str]:
    """The form-encoded body the library sent, as flat ``{"a[b][0]": "v"}``."""
    return {key: values[0] for key, values in parse_qs(call.request.body or "").items()}


def session_json(session_id="cs_test_1", *, status="open", payment_intent=None, url=None, **extra):
    return {
        "id": session_id,
        "object": "checkout.session",
        "status": status,
        "url": url or f"https://checkout.stripe.com/c/pay/{session_id}",
        "payment_intent": payment_intent,
        **extra,
    }


def sign(body: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header exactly as Stripe computes it: HMAC-SHA256 over ``"{t}.{body}"``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def event(event_type: str, obj: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_test_{next(_ids)}",
        "object": "event",
        "type": event_type,
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }


def session_object(payment: Payment, *, payment_status="paid", status="complete", session_id=None, **extra):
    return {
        "id": session_id or payment.provider_reference,
        "object": "checkout.session",
        "status": status,
        "payment_status": payment_status,
        "amount_total": int(payment.amount * 100),
        "currency": payment.currency.lower(),
        "payment_intent": f"pi_for_{payment.pk}",
        "metadata": {"payment_id": str(payment.pk)},
        **extra,
    }


def refund_object(refund, *, status="succeeded", refund_id=None, **extra):
    return {
        "id": refund_id or refund.provider_reference,
        "object": "refund",
        "amount": int(refund.amount * 100),
        "currency": refund.payment.currency.lower(),
        "status": status,
        "payment_intent": f"pi_for_{refund.payment_id}",
        "metadata": {"refund_id": str(refund.pk), "payment_id": str(refund.payment_id)},
        **extra,
    }


def deliver(client, payload: dict | str, *, signature: str | None = None):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    headers = {"HTTP_STRIPE_SIGNATURE": sign(body) if signature is None else signature}
    return client.post(reverse("stripe_webhook"), data=body, content_type="application/json", **headers)


def pending_stripe_payment(resident, unit, bills, session_id="cs_test_1") -> Payment:
    payment = services.pay_online(resident, unit, bills, gateway="stripe")
    return services.mark_pending(payment, provider_reference=session_id)

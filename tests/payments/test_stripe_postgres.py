"""One Stripe event delivered 50 times at once, mixed with related events: the payment settles exactly once."""

import json
import random
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from commerce.ledger.models import AccountKind, Entry, Posting
from commerce.ledger.services import household_balance
from commerce.payments import refunds, services
from commerce.payments.models import Payment, PaymentAllocation, ProviderEvent, Refund, RefundAllocation
from tests.payments.stripe_support import event, pending_stripe_payment, refund_object, session_object, sign

DELIVERIES = 50


def deliver_all(bodies):
    """POST every signed body from its own thread, all released at once; returns the status codes."""
    barrier = threading.Barrier(len(bodies))
    codes = []

    def post(body):
        try:
            client = Client()
            barrier.wait()
            response = client.post(
                "/payments/stripe/webhook/",
                data=body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=sign(body),
            )
            codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_deliveries_of_one_event_settle_the_payment_once(stripe_settings, resident, unit, bills):
    payment = pending_stripe_payment(resident, unit, bills)
    paid = json.dumps(event("checkout.session.completed", session_object(payment), event_id="evt_paid"))
    related = [
        json.dumps(event("checkout.session.async_payment_succeeded", session_object(payment), event_id="evt_async")),
        json.dumps(
            event("checkout.session.completed", session_object(payment, payment_status="unpaid"), event_id="evt_unpaid")
        ),
        json.dumps(event("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"}, event_id="evt_pi")),
        json.dumps(event("charge.succeeded", {"id": "ch_1", "object": "charge"}, event_id="evt_charge")),
    ]
    bodies = [paid] * DELIVERIES + related * 3
    random.shuffle(bodies)

    codes = deliver_all(bodies)

    assert codes == [200] * len(bodies)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 1
    posting = Posting.objects.get(idempotency_key=f"payment:{payment.pk}")
    assert Posting.objects.filter(kind="payment").count() == 1
    assert sorted((e.account.kind, e.amount) for e in Entry.objects.filter(posting=posting)) == [
        (AccountKind.HOUSEHOLD, Decimal("-200.00")),
        (AccountKind.STRIPE_CLEARING, Decimal("200.00")),
    ]
    assert PaymentAllocation.objects.filter(payment=payment).count() == 2
    assert ProviderEvent.objects.filter(event_id="evt_paid").count() == 1
    assert ProviderEvent.objects.count() == 5
    assert ProviderEvent.objects.filter(processed_at__isnull=True).count() == 0
    assert household_balance(unit) == Decimal("0.00")
    assert services.outstanding(bills[0]) == services.outstanding(bills[1]) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refund_confirmations_post_the_refund_once(stripe_settings, clerk, resident, unit, bills):
    payment = pending_stripe_payment(resident, unit, bills)
    services.mark_succeeded(payment, "cs_test_1")
    refund = Refund.objects.create(
        payment=payment, amount=Decimal("50.00"), reason="Twice", created_by=clerk, provider_reference="re_1"
    )
    refunds.mark_refund_pending(refund)
    confirmed = refund_object(refund)
    charge = {"id": "ch_1", "object": "charge", "refunds": {"object": "list", "data": [confirmed]}}
    bodies = [json.dumps(event("refund.updated", confirmed, event_id="evt_refund"))] * 20 + [
        json.dumps(event("refund.created", confirmed, event_id="evt_refund_created")),
        json.dumps(event("charge.refunded", charge, event_id="evt_charge_refunded")),
    ] * 5
    random.shuffle(bodies)

    assert deliver_all(bodies) == [200] * len(bodies)

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert Posting.objects.filter(kind="refund").count() == 1
    assert RefundAllocation.objects.get().amount == Decimal("50.00")
    assert household_balance(unit) == Decimal("50.00")
    assert ProviderEvent.objects.count() == 3

"""The Stripe webhook: verified on the raw body, stored once per event id, handled in any order."""

import json
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.ledger.models import AccountKind, Entry, Posting
from commerce.ledger.services import household_balance
from commerce.payments import services
from commerce.payments.models import Payment, PaymentAllocation, ProviderEvent
from tests.payments.stripe_support import (
    deliver,
    event,
    pending_stripe_payment,
    session_object,
    sign,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(stripe_settings, resident, unit, bills):
    return pending_stripe_payment(resident, unit, bills)


def assert_settled_once(payment, unit, bills):
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.receipt_number
    posting = Posting.objects.get(idempotency_key=f"payment:{payment.pk}")
    assert sorted((e.account.kind, e.amount) for e in Entry.objects.filter(posting=posting)) == [
        (AccountKind.HOUSEHOLD, Decimal("-200.00")),
        (AccountKind.STRIPE_CLEARING, Decimal("200.00")),
    ]
    assert Posting.objects.filter(kind="payment").count() == 1
    assert PaymentAllocation.objects.filter(payment=payment).count() == 2
    assert household_balance(unit) == Decimal("0.00")
    assert all(services.outstanding(bill) == 0 for bill in bills)


def assert_untouched(payment, unit, status=Payment.Status.PENDING):
    payment.refresh_from_db()
    assert payment.status == status
    assert not Posting.objects.filter(kind="payment").exists()
    assert household_balance(unit) == Decimal("200.00")


def test_a_completed_paid_session_settles_the_payment(client, payment, unit, bills):
    response = deliver(client, event("checkout.session.completed", session_object(payment)))
    assert response.status_code == 200
    assert_settled_once(payment, unit, bills)
    stored = ProviderEvent.objects.get()
    assert stored.gateway == "stripe" and stored.type == "checkout.session.completed"
    assert stored.processed_at is not None and stored.result == f"payment {payment.pk} succeeded"
    assert stored.payload["data"]["object"]["id"] == "cs_test_1"


def _tampered(body):
    return body.replace("20000", "1")


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda body: {"signature": sign(body, secret="whsec_someone_else")}, id="wrong-secret"),
        pytest.param(lambda body: {"signature": ""}, id="missing-signature"),
        pytest.param(lambda body: {"signature": "garbage"}, id="garbled-header"),
        pytest.param(lambda body: {"signature": sign(body, timestamp=int(time.time()) - 3600)}, id="too-old"),
        pytest.param(lambda body: {"signature": sign(body), "body": _tampered(body)}, id="tampered-body"),
    ],
)
def test_a_bad_signature_is_refused_and_nothing_is_stored(client, payment, unit, mangle):
    body = json.dumps(event("checkout.session.completed", session_object(payment)))
    change = mangle(body)
    response = deliver(client, change.get("body", body), signature=change["signature"])
    assert response.status_code == 400
    assert not ProviderEvent.objects.exists()
    assert_untouched(payment, unit)


@pytest.mark.parametrize("body", ["not json at all", "[1, 2]", '{"id": "evt_1", "type": "x"}'])
def test_a_signed_but_malformed_payload_is_refused(client, payment, body):
    assert deliver(client, body).status_code == 400
    assert not ProviderEvent.objects.exists()


def test_the_webhook_takes_post_only_and_needs_its_secret(client, payment, stripe_settings):
    assert client.get(reverse("stripe_webhook")).status_code == 405
    stripe_settings.STRIPE_WEBHOOK_SECRET = ""
    assert deliver(client, event("checkout.session.completed", session_object(payment))).status_code == 503
    assert not ProviderEvent.objects.exists()


def test_an_unknown_event_type_is_stored_and_ignored(client, payment, unit):
    response = deliver(client, event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.status_code == 200
    stored = ProviderEvent.objects.get()
    assert stored.type == "customer.created" and stored.result == "ignored: event type not handled"
    assert_untouched(payment, unit)


def test_an_event_for_an_unknown_session_changes_nothing(client, payment, unit):
    other = session_object(payment, session_id="cs_test_unknown", metadata={"payment_id": "999999"})
    response = deliver(client, event("checkout.session.completed", other))
    assert response.status_code == 200
    assert ProviderEvent.objects.get().result == "no payment for session 'cs_test_unknown': nothing changed"
    assert_untouched(payment, unit)


def test_a_duplicate_event_is_answered_but_handled_once(client, payment, unit, bills):
    paid = event("checkout.session.completed", session_object(payment), event_id="evt_dup")
    assert deliver(client, paid).status_code == 200
    first = ProviderEvent.objects.get()
    assert deliver(client, paid).status_code == 200
    assert ProviderEvent.objects.get().processed_at == first.processed_at
    assert_settled_once(payment, unit, bills)


def test_the_event_id_decides_a_duplicate_not_the_content(client, payment, unit):
    unpaid = session_object(payment, payment_status="unpaid")
    deliver(client, event("checkout.session.completed", unpaid, event_id="evt_same"))
    # A different body under an id already seen is a replay: nothing of it is acted upon.
    assert (
        deliver(client, event("checkout.session.completed", session_object(payment), event_id="evt_same")).status_code
        == 200
    )
    assert ProviderEvent.objects.count() == 1
    assert_untouched(payment, unit)


def test_an_unpaid_completed_session_waits_for_the_asynchronous_payment(client, payment, unit, bills):
    deliver(client, event("checkout.session.completed", session_object(payment, payment_status="unpaid")))
    assert_untouched(payment, unit)
    deliver(client, event("checkout.session.async_payment_succeeded", session_object(payment)))
    assert_settled_once(payment, unit, bills)


def test_async_success_before_completed_is_not_undone(client, payment, unit, bills):
    deliver(client, event("checkout.session.async_payment_succeeded", session_object(payment)))
    deliver(client, event("checkout.session.completed", session_object(payment, payment_status="unpaid")))
    assert_settled_once(payment, unit, bills)


@pytest.mark.parametrize("late", ["checkout.session.expired", "checkout.session.async_payment_failed"])
def test_an_ending_event_after_completed_changes_nothing(client, payment, unit, bills, late):
    deliver(client, event("checkout.session.completed", session_object(payment)))
    response = deliver(client, event(late, session_object(payment, status="expired", payment_status="unpaid")))
    assert response.status_code == 200
    assert ProviderEvent.objects.get(type=late).result == f"payment {payment.pk} is already succeeded: nothing changed"
    assert_settled_once(payment, unit, bills)


@pytest.mark.parametrize(
    ("event_type", "status", "reason"),
    [
        ("checkout.session.expired", Payment.Status.CANCELLED, ""),
        ("checkout.session.async_payment_failed", Payment.Status.FAILED, "The payment failed at Stripe."),
    ],
)
def test_an_ending_event_closes_an_open_payment(client, payment, unit, event_type, status, reason):
    deliver(client, event(event_type, session_object(payment, status="expired", payment_status="unpaid")))
    assert_untouched(payment, unit, status=status)
    assert payment.failure_reason == reason
    # Paid after it was closed (never sent by Stripe for one session): noted, not applied.
    deliver(client, event("checkout.session.async_payment_succeeded", session_object(payment)))
    assert ProviderEvent.objects.latest("id").result.endswith("needs attention")
    assert_untouched(payment, unit, status=status)


@pytest.mark.parametrize("change", [{"amount_total": 100}, {"currency": "usd"}], ids=["amount", "currency"])
def test_a_session_that_does_not_match_the_payment_settles_nothing(client, payment, unit, change):
    deliver(client, event("checkout.session.completed", session_object(payment, **change)))
    assert "differ" in ProviderEvent.objects.get().result
    assert_untouched(payment, unit)


def test_a_session_answered_before_its_id_was_stored_is_found_by_metadata(
    client, stripe_settings, resident, unit, bills
):
    payment = services.pay_online(resident, unit, bills, gateway="stripe")
    deliver(client, event("checkout.session.completed", session_object(payment, session_id="cs_test_early")))
    assert_settled_once(payment, unit, bills)
    assert payment.provider_reference == "cs_test_early"


def test_a_session_of_another_payment_cannot_be_claimed_through_metadata(client, payment, neighbour, neighbour_unit):
    theirs = pending_stripe_payment(neighbour, neighbour_unit, services.due_bills(neighbour_unit), "cs_test_theirs")
    forged = session_object(theirs, session_id="cs_test_forged", metadata={"payment_id": str(payment.pk)})
    deliver(client, event("checkout.session.completed", forged))
    payment.refresh_from_db()
    theirs.refresh_from_db()
    assert payment.status == theirs.status == Payment.Status.PENDING

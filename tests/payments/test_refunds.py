"""Refunds: desk payments at once, Stripe payments once the webhook confirms; bills owe again, newest first."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from commerce.ledger.models import AccountKind, Entry, Posting
from commerce.ledger.services import household_balance
from commerce.payments import refunds, services
from commerce.payments.models import Payment, ProviderEvent, Refund, RefundAllocation
from portal.people.models import StaffRole
from tests.payments.stripe_support import (
    API,
    deliver,
    event,
    form,
    pending_stripe_payment,
    refund_object,
    session_json,
    session_object,
)
from tests.properties.conftest import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def cash(clerk, unit, bills):
    """¥200 in cash for the Jan and Feb bills."""
    return services.record_desk_payment(clerk, unit, "200", "cash")


def entries(key):
    return sorted(
        (e.account.kind, e.amount) for e in Entry.objects.filter(posting__idempotency_key=key).select_related("account")
    )


def owed(bills):
    return [services.outstanding(bill) for bill in bills]


# Desk payments --------------------------------------------------------------------------------------


def test_a_desk_refund_reopens_the_newest_bill_and_posts_to_the_ledger(clerk, unit, bills, cash):
    refund = refunds.request_refund(clerk, cash, "50", "Double charge on February")
    assert refund.status == Refund.Status.SUCCEEDED and refund.created_by == clerk
    assert owed(bills) == [Decimal("0.00"), Decimal("50.00")]
    assert household_balance(unit) == Decimal("50.00")
    assert entries(f"refund:{refund.pk}") == [
        (AccountKind.CASH, Decimal("-50.00")),
        (AccountKind.HOUSEHOLD, Decimal("50.00")),
    ]
    # The same cash account the payment debited.
    cash_account = Entry.objects.get(posting__idempotency_key=f"payment:{cash.pk}", amount__gt=0).account
    assert Entry.objects.get(posting=refund.posting, amount__lt=0).account == cash_account
    assert [(a.bill, a.amount) for a in RefundAllocation.objects.all()] == [(bills[1], Decimal("50.00"))]


def test_a_refund_spanning_bills_takes_the_newest_first(clerk, unit, bills, cash):
    refunds.request_refund(clerk, cash, "130", "Moving out")
    assert owed(bills) == [Decimal("30.00"), Decimal("100.00")]
    assert {a.bill_id: a.amount for a in RefundAllocation.objects.all()} == {
        bills[1].pk: Decimal("100.00"),
        bills[0].pk: Decimal("30.00"),
    }
    # A second refund continues where the first stopped.
    refunds.request_refund(clerk, cash, "70", "The rest")
    assert owed(bills) == [Decimal("100.00"), Decimal("100.00")]
    assert household_balance(unit) == Decimal("200.00")


def test_a_refund_uses_up_the_unapplied_prepayment_first(clerk, unit, bills):
    payment = services.record_desk_payment(clerk, unit, "250", "cash", prepayment=True)
    assert payment.prepaid_amount == Decimal("50.00")
    refund = refunds.request_refund(clerk, payment, "70", "Paid too much")
    payment.refresh_from_db()
    assert payment.prepaid_amount == Decimal("0.00")
    assert refund.from_prepayment == Decimal("50.00")
    assert owed(bills) == [Decimal("0.00"), Decimal("20.00")]
    assert household_balance(unit) == Decimal("20.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "The refund must be more than zero."),
        ("-5", "The amount must not be negative."),
        ("1.005", "The amount has more than 2 decimal places."),
        ("abc", "Enter an amount such as 1234.50."),
        ("200.01", "¥200.01 is more than the ¥200.00 that can still be refunded of this payment."),
    ],
)
def test_a_bad_refund_amount_is_refused_and_changes_nothing(clerk, unit, cash, amount, message):
    with pytest.raises(ValidationError) as refused:
        refunds.request_refund(clerk, cash, amount, "Reason")
    assert refused.value.messages == [message]
    assert not Refund.objects.exists()
    assert household_balance(unit) == Decimal("0.00")


def test_earlier_refunds_lower_what_can_be_refunded(clerk, cash):
    refunds.request_refund(clerk, cash, "150", "Part")
    with pytest.raises(ValidationError, match="¥60.00 is more than the ¥50.00 that can still be refunded"):
        refunds.request_refund(clerk, cash, "60", "More")
    assert refunds.refundable(cash) == Decimal("50.00")
    refunds.request_refund(clerk, cash, "50", "The rest")
    assert refunds.refundable(cash) == Decimal("0.00")


def test_a_refund_needs_a_reason(clerk, cash):
    with pytest.raises(ValidationError, match="Give a reason for the refund."):
        refunds.request_refund(clerk, cash, "10", "   ")


def test_only_a_payment_that_went_through_can_be_refunded(stripe_settings, clerk, resident, unit, bills):
    payment = pending_stripe_payment(resident, unit, bills)
    with pytest.raises(ValidationError, match="Only a payment that went through can be refunded."):
        refunds.request_refund(clerk, payment, "10", "Reason")


@pytest.mark.parametrize("role", [StaffRole.FRONT_DESK, None])
def test_front_desk_and_other_offices_cannot_refund(site, other_clerk, cash, role):
    user = staff(role, site.office) if role else other_clerk
    with pytest.raises(PermissionDenied):
        refunds.request_refund(user, cash, "10", "Reason")
    assert not Refund.objects.exists()


def test_completing_a_refund_twice_posts_once(clerk, unit, bills, cash):
    refund = refunds.request_refund(clerk, cash, "50", "Reason")
    assert refunds.complete_refund(refund) == refund
    assert Posting.objects.filter(idempotency_key=f"refund:{refund.pk}").count() == 1
    assert RefundAllocation.objects.count() == 1
    assert household_balance(unit) == Decimal("50.00")
    with pytest.raises(ValidationError, match="cannot go from"):
        refunds.fail_refund(refund, "late")


# Stripe payments ------------------------------------------------------------------------------------


@pytest.fixture
def paid_online(client, stripe_settings, resident, unit, bills):
    payment = pending_stripe_payment(resident, unit, bills)
    deliver(client, event("checkout.session.completed", session_object(payment)))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


def stripe_refund_calls(stripe_api, refund_id="re_test_1", status="pending"):
    stripe_api.get(
        f"{API}/v1/checkout/sessions/cs_test_1", json=session_json(status="complete", payment_intent="pi_test_9")
    )
    return stripe_api.post(
        f"{API}/v1/refunds", json={"id": refund_id, "object": "refund", "status": status, "amount": 5000}
    )


def test_a_stripe_refund_is_sent_with_its_idempotency_key_and_waits_for_the_webhook(
    client, clerk, unit, bills, paid_online, stripe_api
):
    stripe_refund_calls(stripe_api, status="succeeded")
    refund = refunds.request_refund(clerk, paid_online, "50", "Charged twice")
    assert refund.status == Refund.Status.PENDING and refund.provider_reference == "re_test_1"
    sent = stripe_api.calls[-1]
    assert form(sent) == {
        "payment_intent": "pi_test_9",
        "amount": "5000",
        "metadata[refund_id]": str(refund.pk),
        "metadata[payment_id]": str(paid_online.pk),
    }
    assert sent.request.headers["Idempotency-Key"] == f"linli-refund-{refund.pk}"
    # Stripe's answer alone settles nothing: the bills stay paid and the ledger untouched.
    assert owed(bills) == [Decimal("0.00"), Decimal("0.00")]
    assert not Posting.objects.filter(kind="refund").exists()
    assert refunds.refundable(paid_online) == Decimal("150.00")  # reserved meanwhile

    deliver(client, event("refund.updated", refund_object(refund)))
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert owed(bills) == [Decimal("0.00"), Decimal("50.00")]
    assert entries(f"refund:{refund.pk}") == [
        (AccountKind.HOUSEHOLD, Decimal("50.00")),
        (AccountKind.STRIPE_CLEARING, Decimal("-50.00")),
    ]
    assert household_balance(unit) == Decimal("50.00")


def test_refund_confirmations_repeated_in_several_events_settle_once(client, clerk, unit, paid_online, stripe_api):
    stripe_refund_calls(stripe_api)
    refund = refunds.request_refund(clerk, paid_online, "50", "Charged twice")
    confirmed = refund_object(refund)
    deliver(client, event("refund.created", confirmed))
    deliver(client, event("refund.updated", confirmed))
    charge = {"id": "ch_1", "object": "charge", "refunds": {"object": "list", "data": [confirmed]}}
    deliver(client, event("charge.refunded", charge))
    deliver(client, event("charge.refunded", {"id": "ch_1", "object": "charge"}))  # refunds not listed
    assert Posting.objects.filter(kind="refund").count() == 1
    assert RefundAllocation.objects.count() == 1
    assert household_balance(unit) == Decimal("50.00")
    assert ProviderEvent.objects.filter(type__in=["refund.created", "refund.updated", "charge.refunded"]).count() == 4


def test_a_confirmation_arriving_before_the_refund_id_was_stored_is_found_by_metadata(client, clerk, unit, paid_online):
    refund = Refund.objects.create(payment=paid_online, amount=Decimal("20.00"), reason="Early", created_by=clerk)
    deliver(client, event("refund.updated", refund_object(refund, refund_id="re_test_early")))
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and refund.provider_reference == "re_test_early"
    assert household_balance(unit) == Decimal("20.00")


def test_a_failed_stripe_refund_frees_the_amount_and_changes_no_bill(client, clerk, unit, paid_online, stripe_api):
    stripe_refund_calls(stripe_api)
    refund = refunds.request_refund(clerk, paid_online, "50", "Charged twice")
    deliver(
        client,
        event("refund.failed", refund_object(refund, status="failed", failure_reason="expired_or_canceled_card")),
    )
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert refund.failure_reason == "Stripe could not refund: expired_or_canceled_card"
    assert refunds.refundable(paid_online) == Decimal("200.00")
    assert household_balance(unit) == Decimal("0.00")
    # A late "succeeded" for a failed refund is noted for a person, not applied.
    deliver(client, event("refund.updated", refund_object(refund)))
    assert ProviderEvent.objects.latest("id").result.endswith("needs attention")
    assert not Posting.objects.filter(kind="refund").exists()


def test_a_refund_stripe_refuses_fails_with_its_message(clerk, unit, paid_online, stripe_api):
    stripe_api.get(f"{API}/v1/checkout/sessions/cs_test_1", json=session_json(payment_intent="pi_test_9"))
    stripe_api.post(
        f"{API}/v1/refunds",
        status=400,
        json={"error": {"type": "invalid_request_error", "message": "Charge has already been refunded."}},
    )
    with pytest.raises(ValidationError, match="Stripe refused the request: Charge has already been refunded."):
        refunds.request_refund(clerk, paid_online, "50", "Again")
    assert Refund.objects.get().status == Refund.Status.FAILED
    assert refunds.refundable(paid_online) == Decimal("200.00")


def test_a_refund_sent_again_after_a_network_error_reuses_its_idempotency_key(
    clerk, paid_online, stripe_api, monkeypatch
):
    monkeypatch.setattr("stripe._http_client.HTTPClient._sleep_time_seconds", lambda *a, **k: 0)
    stripe_api.get(f"{API}/v1/checkout/sessions/cs_test_1", json=session_json(payment_intent="pi_test_9"))
    stripe_api.post(f"{API}/v1/refunds", body=ConnectionError("connection reset"))
    with pytest.raises(ValidationError, match="The refund is kept as requested; send it again."):
        refunds.request_refund(clerk, paid_online, "50", "Charged twice")
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.REQUESTED
    assert refunds.refundable(paid_online) == Decimal("150.00")
    stripe_api.replace("POST", f"{API}/v1/refunds", json={"id": "re_test_2", "object": "refund", "status": "pending"})
    refunds.send_refund(refund)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING and refund.provider_reference == "re_test_2"
    keys = {c.request.headers["Idempotency-Key"] for c in stripe_api.calls if c.request.method == "POST"}
    assert keys == {f"linli-refund-{refund.pk}"}


# Screens ---------------------------------------------------------------------------------------------


def test_the_back_office_refund_form_refunds_and_shows_the_refund(client, clerk, unit, bills, cash):
    client.force_login(clerk)
    url = reverse("payments_list:detail", args=[cash.pk])
    page = client.get(url).content.decode()
    assert 'class="refund-form"' in page and "Up to ¥200.00 can still be refunded" in page
    response = client.post(url, {"amount": "250", "reason": "Too much"})
    assert "¥250.00 is more than the ¥200.00 that can still be refunded" in response.content.decode()
    response = client.post(url, {"amount": "80", "reason": "Paid twice"}, follow=True)
    page = response.content.decode()
    assert "¥80.00 refunded." in page and "Paid twice" in page and "2025-02" in page
    assert owed(bills) == [Decimal("0.00"), Decimal("80.00")]
    receipt = client.get(reverse("payments_list:receipt", args=[cash.pk])).content.decode()
    assert "-¥80.00" in receipt and "Paid twice" in receipt


def test_front_desk_sees_no_refund_form_and_cannot_post_one(client, site, cash):
    client.force_login(staff(StaffRole.FRONT_DESK, site.office))
    url = reverse("payments_list:detail", args=[cash.pk])
    assert 'class="refund-form"' not in client.get(url).content.decode()
    # Wagtail answers a PermissionDenied with a redirect to the dashboard.
    assert client.post(url, {"amount": "10", "reason": "x"})["Location"] == reverse("wagtailadmin_home")
    assert not Refund.objects.exists()


def test_staff_of_another_office_cannot_see_the_payment(client, other_clerk, cash):
    client.force_login(other_clerk)
    url = reverse("payments_list:detail", args=[cash.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"amount": "10", "reason": "x"}).status_code == 404


def test_the_resident_sees_the_refund_on_the_payment_page(client, clerk, resident, neighbour, cash):
    refunds.request_refund(clerk, cash, "30", "Overcharged water")
    client.force_login(resident)
    page = client.get(reverse("payment_result", args=[cash.pk])).content.decode()
    assert "¥30.00" in page and "Overcharged water" in page and "Due again: 2025-02" in page
    client.force_login(neighbour)
    assert client.get(reverse("payment_result", args=[cash.pk])).status_code == 404

"""Stripe refunds Linli did not start (made in the Stripe dashboard), and refunds that fail after succeeding."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.ledger.services import household_balance
from commerce.payments import refunds, services
from commerce.payments.models import Payment, ProviderEvent, Refund
from portal.people.models import StaffRole
from tests.payments.stripe_support import deliver, event, pending_stripe_payment, refund_object, session_object
from tests.properties.conftest import staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_online(client, stripe_settings, resident, unit, bills):
    payment = pending_stripe_payment(resident, unit, bills)
    deliver(client, event("checkout.session.completed", session_object(payment)))
    payment.refresh_from_db()
    return payment


def dashboard_refund(payment, amount_cents, refund_id="re_dashboard_1", status="succeeded"):
    return {
        "id": refund_id,
        "object": "refund",
        "amount": amount_cents,
        "currency": "cny",
        "status": status,
        "payment_intent": f"pi_for_{payment.pk}",
        "metadata": {},
    }


def owed(bills):
    return [services.outstanding(bill) for bill in bills]


def test_the_payment_intent_is_kept_from_the_completed_session_and_the_event_names_its_office(paid_online, site):
    assert paid_online.status == Payment.Status.SUCCEEDED
    assert paid_online.provider_payment_id == f"pi_for_{paid_online.pk}"
    assert ProviderEvent.objects.get(type="checkout.session.completed").office == site.office


def test_a_refund_made_in_the_stripe_dashboard_is_recorded_once_and_the_bills_owe_again(
    client, unit, bills, paid_online
):
    refund = dashboard_refund(paid_online, 5000)
    deliver(client, event("refund.created", dashboard_refund(paid_online, 5000, status="pending")))
    assert not Refund.objects.exists()  # recorded once it has gone through

    deliver(client, event("refund.updated", refund))
    deliver(
        client,
        event(
            "charge.refunded",
            {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": refund["payment_intent"],
                "refunds": {"object": "list", "data": [refund]},
            },
        ),
    )

    recorded = Refund.objects.get()
    assert (recorded.amount, recorded.status, recorded.provider_reference) == (
        Decimal("50.00"),
        Refund.Status.SUCCEEDED,
        "re_dashboard_1",
    )
    assert "Stripe dashboard" in recorded.reason and recorded.created_by is None
    assert owed(bills) == [Decimal("0.00"), Decimal("50.00")]
    assert household_balance(unit) == Decimal("50.00")
    assert refunds.refundable(paid_online) == Decimal("150.00")


def test_a_dashboard_refund_above_what_is_left_is_noted_for_a_person(client, unit, paid_online):
    deliver(client, event("refund.updated", dashboard_refund(paid_online, 99999)))
    assert not Refund.objects.exists()
    assert ProviderEvent.objects.latest("id").result.endswith("needs attention")
    assert household_balance(unit) == Decimal("0.00")


def test_a_refund_that_fails_after_succeeding_is_reversed_once(client, clerk, unit, bills, paid_online):
    deliver(client, event("refund.updated", dashboard_refund(paid_online, 5000)))
    refund = Refund.objects.get()
    assert owed(bills) == [Decimal("0.00"), Decimal("50.00")]

    failed = refund_object(refund, status="failed", failure_reason="expired_or_canceled_card")
    deliver(client, event("refund.failed", failed))
    deliver(client, event("refund.updated", failed))

    refund.refresh_from_db()
    assert refund.status == Refund.Status.REVERSED and refund.reversal is not None
    assert refund.failure_reason == "Stripe could not refund: expired_or_canceled_card"
    assert owed(bills) == [Decimal("0.00"), Decimal("0.00")]  # the money never left: paid again
    assert household_balance(unit) == Decimal("0.00")
    assert refunds.refundable(paid_online) == Decimal("200.00")
    # A late "succeeded" for a reversed refund changes nothing.
    deliver(client, event("refund.updated", refund_object(refund)))
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REVERSED and household_balance(unit) == Decimal("0.00")


def test_a_reversed_refund_gives_back_what_it_took_from_the_prepayment(clerk, unit, bills):
    payment = services.record_desk_payment(clerk, unit, "250", "cash", prepayment=True)  # ¥50 beyond the bills
    refund = refunds.request_refund(clerk, payment, "30", "Overpaid")
    assert refund.from_prepayment == Decimal("30.00")
    refunds.reverse_refund(refund, "Bank returned the transfer")
    payment.refresh_from_db()
    assert payment.prepaid_amount == Decimal("50.00")
    assert household_balance(unit) == Decimal("-50.00")


# The back-office events screen ----------------------------------------------------------------------


def test_billing_staff_see_their_offices_events_and_the_payload(client, clerk, paid_online):
    client.force_login(clerk)
    page = client.get(reverse("payments_events:index"))
    assert page.status_code == 200 and "checkout.session.completed" in page.content.decode()
    event_row = ProviderEvent.objects.get()
    detail = client.get(reverse("payments_events:detail", args=[event_row.pk]))
    assert detail.status_code == 200 and f"pi_for_{paid_online.pk}" in detail.content.decode()


def test_unmatched_events_show_to_headquarters_only_and_the_filter_finds_them(client, clerk, company, paid_online):
    deliver(client, event("refund.updated", {"id": "re_x", "object": "refund", "amount": 100, "status": "succeeded"}))
    unmatched = ProviderEvent.objects.get(office__isnull=True)
    client.force_login(clerk)
    assert client.get(reverse("payments_events:detail", args=[unmatched.pk])).status_code == 404
    client.force_login(staff(StaffRole.HEADQUARTERS, company=company, full_name="HQ"))
    assert client.get(reverse("payments_events:detail", args=[unmatched.pk])).status_code == 200
    page = client.get(reverse("payments_events:index"), {"type": "refund"}).content.decode()
    assert "re_x" in page and "checkout.session.completed" not in page


def test_staff_of_another_office_and_front_desk_see_no_events(client, site, other_clerk, paid_online):
    event_row = ProviderEvent.objects.get()
    client.force_login(other_clerk)
    assert client.get(reverse("payments_events:detail", args=[event_row.pk])).status_code == 404
    assert "checkout.session" not in client.get(reverse("payments_events:index")).content.decode()
    client.force_login(staff(StaffRole.FRONT_DESK, site.office, full_name="Desk"))
    refused = client.get(reverse("payments_events:index"))
    assert refused.status_code == 302 and refused.url == reverse("wagtailadmin_home")  # Wagtail's refusal

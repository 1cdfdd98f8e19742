"""A resident pays bills online through the dummy gateway, over HTTP."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.ledger.models import Posting
from commerce.ledger.services import household_balance
from commerce.payments import services
from commerce.payments.models import Payment, PaymentAllocation

pytestmark = pytest.mark.django_db


def start_paying(client, resident, unit, bills):
    client.force_login(resident)
    response = client.post(reverse("pay_bills"), {"unit": unit.pk, "bill": [b.pk for b in bills]})
    assert response.status_code == 302, response.content
    assert "/pay/test-gateway/" in response["Location"]
    return response["Location"], Payment.objects.get()


def answer(client, gateway_url, outcome):
    return client.post(gateway_url, {"outcome": outcome}, follow=True)


def test_the_pay_page_lists_the_bills_due_with_their_total(client, resident, unit, bills):
    client.force_login(resident)
    page = client.get(reverse("pay_bills")).content.decode()
    assert page.count('name="bill"') == 2
    assert "¥200.00" in page


def test_a_successful_payment_posts_once_allocates_and_gives_a_receipt(client, resident, unit, bills):
    assert household_balance(unit) == Decimal("200.00")
    gateway_url, payment = start_paying(client, resident, unit, bills)
    assert payment.status == Payment.Status.PENDING
    result = answer(client, gateway_url, "pay")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.receipt_number.startswith(f"R-{unit.building.community.office.code}-")
    assert household_balance(unit) == Decimal("0.00")
    assert Posting.objects.filter(idempotency_key=f"payment:{payment.pk}").count() == 1
    assert {a.bill_id: a.amount for a in PaymentAllocation.objects.all()} == {
        bills[0].pk: Decimal("100.00"),
        bills[1].pk: Decimal("100.00"),
    }
    assert all(services.outstanding(bill) == 0 for bill in bills)
    assert payment.receipt_number in result.content.decode()
    receipt = client.get(reverse("my_receipt", args=[payment.pk])).content.decode()
    assert payment.receipt_number in receipt and "¥200.00" in receipt and "2025-01" in receipt


def test_a_declined_payment_changes_nothing_in_the_ledger(client, resident, unit, bills):
    gateway_url, payment = start_paying(client, resident, unit, bills)
    result = answer(client, gateway_url, "decline")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert "declined" in result.content.decode()
    assert household_balance(unit) == Decimal("200.00")
    assert not PaymentAllocation.objects.exists()
    assert payment.receipt_number == ""
    assert client.get(reverse("my_receipt", args=[payment.pk])).status_code == 404


def test_a_pending_payment_succeeds_when_the_provider_confirms_later(client, resident, unit, bills):
    gateway_url, payment = start_paying(client, resident, unit, bills)
    result = answer(client, gateway_url, "pending")
    assert "being processed" in result.content.decode()
    assert household_balance(unit) == Decimal("200.00")
    resume = reverse("dummy_gateway", args=[payment.pk]) + "?resume=1"
    assert resume in result.content.decode()
    page = client.get(resume).content.decode()
    assert 'value="confirm"' in page and 'value="pay"' not in page
    answer(client, gateway_url, "confirm")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert household_balance(unit) == Decimal("0.00")


def test_a_fresh_payment_is_not_offered_a_confirmation_of_a_pending_payment(client, resident, unit, bills):
    gateway_url, _payment = start_paying(client, resident, unit, bills)
    page = client.get(gateway_url).content.decode()
    assert 'value="pay"' in page and 'value="confirm"' not in page


def test_a_double_submit_and_a_repeated_success_post_once(client, resident, unit, bills):
    gateway_url, payment = start_paying(client, resident, unit, bills)
    again = client.post(reverse("pay_bills"), {"unit": unit.pk, "bill": [b.pk for b in bills]})
    assert again.status_code == 302
    assert Payment.objects.count() == 1
    answer(client, gateway_url, "pay")
    answer(client, gateway_url, "pay")
    services.mark_succeeded(payment, "dummy-again")
    assert Posting.objects.filter(kind="payment").count() == 1
    assert PaymentAllocation.objects.count() == 2
    assert household_balance(unit) == Decimal("0.00")


def test_a_settled_bill_cannot_be_paid_again(client, resident, unit, bills):
    gateway_url, _payment = start_paying(client, resident, unit, bills[:1])
    answer(client, gateway_url, "pay")
    response = client.post(reverse("pay_bills"), {"unit": unit.pk, "bill": [bills[0].pk]}, follow=True)
    assert "already settled" in response.content.decode()
    assert Payment.objects.count() == 1


def test_another_households_bill_is_refused_and_nothing_changes(client, neighbour, neighbour_unit, unit, bills):
    client.force_login(neighbour)
    own_unit_response = client.post(
        reverse("pay_bills"), {"unit": neighbour_unit.pk, "bill": [bills[0].pk]}, follow=True
    )
    assert "does not belong to this household" in own_unit_response.content.decode()
    other_unit_response = client.post(reverse("pay_bills"), {"unit": unit.pk, "bill": [bills[0].pk]})
    assert other_unit_response.status_code == 404
    assert not Payment.objects.exists()
    assert household_balance(unit) == Decimal("200.00")


def test_an_empty_choice_is_refused_with_a_message(client, resident, unit, bills):
    client.force_login(resident)
    response = client.post(reverse("pay_bills"), {"unit": unit.pk}, follow=True)
    assert "Choose at least one bill" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_neighbour_cannot_see_the_receipt_or_the_gateway_page(client, resident, neighbour, unit, bills):
    gateway_url, payment = start_paying(client, resident, unit, bills)
    answer(client, gateway_url, "pay")
    client.force_login(neighbour)
    assert client.get(reverse("my_receipt", args=[payment.pk])).status_code == 404
    assert client.get(reverse("payment_result", args=[payment.pk])).status_code == 404
    assert client.get(reverse("dummy_gateway", args=[payment.pk])).status_code == 404


def test_the_bills_pages_offer_to_pay(client, resident, bills):
    client.force_login(resident)
    assert reverse("pay_bills") in client.get(reverse("my_bills")).content.decode()
    assert reverse("pay_bills") in client.get(reverse("my_bill", args=[bills[0].pk])).content.decode()

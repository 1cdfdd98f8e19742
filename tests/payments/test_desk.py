"""The front desk takes payments in the back office; staff of another office see nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.ledger.services import household_balance
from commerce.payments.models import Payment

pytestmark = pytest.mark.django_db


def test_a_clerk_finds_the_unit_and_records_a_cash_payment(client, clerk, site, unit, bills):
    client.force_login(clerk)
    found = client.get(
        reverse("payments_desk:index"), {"community": site.community.pk, "building": "3", "number": "1101"}
    )
    assert found.status_code == 302 and found["Location"].endswith(f"?unit={unit.pk}")
    page = client.get(found["Location"]).content.decode()
    assert "¥200.00" in page
    response = client.post(
        reverse("payments_desk:index"), {"unit": unit.pk, "amount": "¥200.00", "method": "cash"}, follow=True
    )
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.SUCCEEDED and payment.method == "cash"
    assert payment.created_by == clerk
    assert payment.receipt_number in response.content.decode()
    assert household_balance(unit) == Decimal("0.00")
    listing = client.get(reverse("payments_list:index"), {"method": "cash"}).content.decode()
    assert payment.receipt_number in listing
    assert payment.receipt_number not in client.get(reverse("payments_list:index"), {"method": "qr"}).content.decode()


def test_a_bad_amount_is_refused_with_a_message_and_nothing_is_lost(client, clerk, unit, bills):
    client.force_login(clerk)
    response = client.post(reverse("payments_desk:index"), {"unit": unit.pk, "amount": "12.345", "method": "cash"})
    assert response.status_code == 200
    assert "2 decimal places" in response.content.decode()
    assert 'value="12.345"' in response.content.decode()
    assert not Payment.objects.exists()


def test_staff_of_another_office_get_404(client, clerk, other_clerk, unit, bills):
    client.force_login(clerk)
    client.post(reverse("payments_desk:index"), {"unit": unit.pk, "amount": "100", "method": "card"}, follow=True)
    payment = Payment.objects.get()
    client.force_login(other_clerk)
    assert client.get(reverse("payments_desk:index"), {"unit": unit.pk}).status_code == 404
    response = client.post(reverse("payments_desk:index"), {"unit": unit.pk, "amount": "100", "method": "cash"})
    assert response.status_code == 404
    assert client.get(reverse("payments_list:receipt", args=[payment.pk])).status_code == 404
    assert payment.receipt_number not in client.get(reverse("payments_list:index")).content.decode()
    assert Payment.objects.count() == 1


def test_the_unit_lookup_links_a_clerk_to_the_desk_payment(client, clerk, unit, bills):
    client.force_login(clerk)
    page = client.get(reverse("properties_unit:inspect", args=[unit.pk])).content.decode()
    assert f"{reverse('payments_desk:index')}?unit={unit.pk}" in page
    assert "2 bills due, ¥200.00 in total." in page


@pytest.mark.parametrize("method", ["online", "bank_collection"])
def test_the_desk_offers_neither_online_payment_nor_bank_collection(client, clerk, unit, bills, method):
    client.force_login(clerk)
    page = client.get(reverse("payments_desk:index"), {"unit": unit.pk}).content.decode()
    assert 'value="cash"' in page and f'value="{method}"' not in page
    response = client.post(reverse("payments_desk:index"), {"unit": unit.pk, "amount": "200", "method": method})
    assert response.status_code == 200 and "is not one of the available choices" in response.content.decode()
    assert not Payment.objects.exists()

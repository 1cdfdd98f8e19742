"""Receipt PDFs (收款凭证): the payer's household and the office's staff download them; nobody else."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.payments import refunds, services
from portal.people.models import StaffRole
from tests.properties.conftest import staff

from .conftest import page_count, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(clerk, unit, bills):
    return services.record_desk_payment(clerk, unit, "200.00", "cash")


def _assert_receipt_pdf(response, payment):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="receipt-{payment.receipt_number}.pdf"' in response["Content-Disposition"]
    data = response.content
    assert data.startswith(b"%PDF-")
    assert page_count(data) == 1
    return pdf_text(data)


def test_the_resident_downloads_the_receipt_of_their_payment(client, resident, payment):
    client.force_login(resident)
    text = _assert_receipt_pdf(client.get(reverse("my_receipt_pdf", args=[payment.pk])), payment)
    assert payment.receipt_number in text
    assert "¥200.00" in text
    assert "贰佰元整" in text
    assert "Garden a 3-1101" in text and "Resident Ruan" in text
    assert "Clerk A" in text and "Cash" in text
    # Both bills it settled, each with its charge line and the part paid on it.
    assert text.count("fixed_per_unit item") == 2
    assert "2025-01" in text and "2025-02" in text
    assert text.count("Paid on this bill") == 2


def test_a_prepayment_and_a_refund_are_on_the_receipt(client, resident, clerk, unit, bills):
    payment = services.record_desk_payment(clerk, unit, "250.00", "card", prepayment=True)
    refunds.request_refund(clerk, payment, "30.00", "Counted twice")
    client.force_login(resident)
    text = _assert_receipt_pdf(client.get(reverse("my_receipt_pdf", args=[payment.pk])), payment)
    assert "贰佰伍拾元整" in text
    assert "Paid ahead" in text
    assert "Counted twice" in text and "-¥30.00" in text


def test_another_household_and_strangers_cannot_get_the_receipt(client, neighbour, payment):
    url = reverse("my_receipt_pdf", args=[payment.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(neighbour)
    assert client.get(url).status_code == 404


def test_a_payment_that_did_not_go_through_has_no_receipt(client, resident, unit, bills):
    pending = services.pay_online(resident, unit)
    client.force_login(resident)
    assert client.get(reverse("my_receipt_pdf", args=[pending.pk])).status_code == 404


def test_the_office_downloads_the_receipt_and_another_office_cannot(client, clerk, other_clerk, site, payment):
    url = reverse("documents_receipt_pdf", args=[payment.pk])
    client.force_login(clerk)
    text = _assert_receipt_pdf(client.get(url), payment)
    assert payment.receipt_number in text and "Office a" in text
    client.force_login(other_clerk)
    assert client.get(url).status_code == 404
    client.force_login(staff(StaffRole.TECHNICIAN, site.office))
    refused = client.get(url)  # Wagtail turns the refusal into a redirect to the dashboard
    assert refused.status_code in (302, 403) and refused["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("who", "receipt_url", "pdf_url"),
    [("resident", "my_receipt", "my_receipt_pdf"), ("clerk", "payments_list:receipt", "documents_receipt_pdf")],
)
def test_the_html_receipt_links_to_its_pdf(client, request, payment, who, receipt_url, pdf_url):
    client.force_login(request.getfixturevalue(who))
    page = client.get(reverse(receipt_url, args=[payment.pk])).content.decode()
    assert f'href="{reverse(pdf_url, args=[payment.pk])}"' in page


def test_the_payment_list_links_each_receipt_pdf(client, clerk, payment):
    client.force_login(clerk)
    page = client.get(reverse("payments_list:index")).content.decode()
    assert reverse("documents_receipt_pdf", args=[payment.pk]) in page


def test_a_big_amount_is_written_in_capitals_on_the_receipt(client, resident, clerk, unit, bills):
    payment = services.record_desk_payment(clerk, unit, Decimal("100000.10"), "bank_transfer", prepayment=True)
    client.force_login(resident)
    text = _assert_receipt_pdf(client.get(reverse("my_receipt_pdf", args=[payment.pk])), payment)
    assert "壹拾万元零壹角" in text and "¥100,000.10" in text

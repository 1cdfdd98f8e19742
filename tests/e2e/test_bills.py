"""A resident pays this month's property fee at the test gateway and downloads the receipt as a PDF."""

from pathlib import Path

import pytest
from django.utils import timezone

from commerce.payments.models import Payment
from commerce.payments.services import outstanding
from tests.billing.conftest import make_item
from tests.documents.conftest import pdf_text
from tests.factories import DEFAULT_PASSWORD, AccountFactory, ResidentMembershipFactory
from tests.payments.conftest import run_month

from .conftest import PHONE, assert_fits_phone

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def bill(world, settings):
    """This month's billing run of the north office: a fixed fee of ¥268.50 for each unit."""
    settings.PAYMENT_GATEWAY = "dummy"
    resident = AccountFactory(full_name="Li Ming", phone="+8613800001111")
    ResidentMembershipFactory(user=resident, unit=world.north.units[0])
    make_item(world.north.office, "fixed_per_unit", price="268.50")
    today = timezone.localdate()
    return run_month(world.north.office, today.year, today.month).bills.get(unit=world.north.units[0])


def test_a_resident_pays_a_bill_at_the_test_gateway_and_downloads_the_receipt(open_page, shot, bill):
    page = open_page(locale="en-US", viewport=PHONE)
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "13800001111")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/my/")
    bills_link = page.locator("main a[href='/my/bills/']").first
    assert_fits_phone(page, shot, "1-home", actions=[bills_link])

    bills_link.click()
    page.wait_for_url("**/my/bills/")
    assert "You owe ¥268.50" in page.locator(".household-balance").inner_text()
    pay_link = page.locator("main").get_by_role("link", name="Pay", exact=True)
    assert_fits_phone(page, shot, "2-bills", actions=[pay_link])

    pay_link.click()
    page.wait_for_url("**/my/bills/pay/")
    assert page.locator(".pay-total").inner_text() == "¥268.50"
    pay = page.locator(".pay-form").get_by_role("button", name="Pay")
    assert_fits_phone(page, shot, "3-pay", actions=[pay])

    pay.click()
    page.wait_for_url("**/pay/test-gateway/**")
    assert "¥268.50" in page.locator("main").inner_text()
    succeed = page.get_by_role("button", name="Pay successfully")
    assert_fits_phone(page, shot, "4-test-gateway", actions=[succeed])

    succeed.click()
    page.wait_for_url("**/my/payments/*/")
    result = page.locator(".payment-result")
    assert result.get_attribute("data-status") == "succeeded"
    assert "Thank you: the payment went through." in result.inner_text()
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.SUCCEEDED and payment.receipt_number
    assert outstanding(bill) == 0
    receipt_link = result.get_by_role("link", name=f"Receipt {payment.receipt_number}")
    assert_fits_phone(page, shot, "5-paid", actions=[receipt_link])

    receipt_link.click()
    page.wait_for_url("**/my/payments/*/receipt/")
    assert page.locator(".receipt-number").inner_text() == payment.receipt_number
    assert page.locator(".receipt-amount").inner_text() == "¥268.50"
    download_link = page.get_by_role("link", name="Download PDF")
    assert_fits_phone(page, shot, "6-receipt", actions=[download_link])

    with page.expect_download() as downloading:
        download_link.click()
    download = downloading.value
    assert download.suggested_filename == f"receipt-{payment.receipt_number}.pdf"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert payment.receipt_number in text and "¥268.50" in text

    page.goto("/my/bills/")
    assert "Nothing owed." in page.locator(".household-balance").inner_text()
    shot(page, "7-nothing-owed")

"""Meters in the browser: a billing clerk corrects a billed reading, the resident sees the difference settled on
the next bill, and the office prints a whole community's payment notices as a background job."""

import datetime
from decimal import Decimal

import pytest

from commerce.billing import runs
from commerce.billing.models import Bill, BillingRun
from commerce.meters.models import Meter, MeterReading, ReadingCorrection
from portal.people.models import StaffRole
from tests.billing.conftest import make_item
from tests.factories import DEFAULT_PASSWORD, AccountFactory, ResidentMembershipFactory

from .conftest import PHONE, assert_fits_phone
from .test_backoffice import log_in, log_in_with_code, make_staff

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

JAN, FEB = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)


def run_month(office, month):
    run = BillingRun.objects.create(office=office, period_start=month, period_end=runs.month_bounds(month)[1])
    return runs.execute_run(run.pk)


def test_a_clerk_corrects_a_billed_reading_and_prints_the_community_notices(open_page, shot, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    north = world.north
    unit = north.units[0]
    water = make_item(north.office, "metered", code="water", price="3.50", measure="m³")
    meter = Meter.objects.create(office=north.office, charge_item=water, code="W-1501", unit=unit)
    MeterReading.objects.create(meter=meter, date=datetime.date(2025, 12, 31), value=Decimal("100"))
    MeterReading.objects.create(
        meter=meter, date=datetime.date(2026, 1, 31), value=Decimal("110"), previous_value=Decimal("100"),
        previous_date=datetime.date(2025, 12, 31), usage=Decimal("10"),
    )  # fmt: skip
    run_month(north.office, JAN)
    resident = AccountFactory(email="li@example.com", full_name="Li Resident")
    ResidentMembershipFactory(user=resident, unit=unit)
    clerk = make_staff(world, north.office, StaffRole.BILLING_CLERK, "qian@north.example.com", "Qian Clerk")

    page = open_page(locale="en")
    log_in_with_code(page, clerk)
    page.goto("/backoffice/meters/readings/")
    page.get_by_role("link", name="Correct", exact=True).first.click()
    page.wait_for_load_state()
    assert "¥35.00" in page.content()  # the January bill that counted it
    page.fill("input[name=value]", "120")
    page.fill("input[name=reason]", "Digit misread")
    shot(page, "1-correcting")
    page.get_by_role("button", name="Save the correction").click()
    page.wait_for_load_state()
    assert "corrected from 110 to 120" in page.content()
    shot(page, "2-corrected-with-history")
    assert ReadingCorrection.objects.get().corrected_by == clerk

    MeterReading.objects.create(
        meter=meter, date=datetime.date(2026, 2, 28), value=Decimal("125"), previous_value=Decimal("120"),
        previous_date=datetime.date(2026, 1, 31), usage=Decimal("5"),
    )  # fmt: skip
    run_month(north.office, FEB)
    page.goto("/backoffice/meters/readings/corrections/")
    assert "Digit misread" in page.content()
    shot(page, "2b-corrections-list")
    page.goto("/backoffice/meters/settings/")
    page.get_by_role("link", name="Edit").first.click()
    page.fill("input[name=abnormal_factor]", "2.5")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "2.5×" in page.content()
    shot(page, "2c-meter-settings")

    page.goto("/backoffice/documents/notices/")
    page.select_option("select[name=scope]", label="Green Garden: every building")
    page.get_by_role("button", name="Print notices (PDF)").click()
    page.get_by_role("link", name="Download the PDF").wait_for()
    shot(page, "3-notices-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")

    phone = open_page(locale="en", viewport=PHONE)
    log_in(phone, resident)
    phone.goto(f"/my/bills/{Bill.objects.get(unit=unit, period_start=FEB).pk}/")
    text = phone.content()
    assert "the reading of 2026-01-31 was corrected from 110 to 120" in text
    assert "¥35.00" in text and DEFAULT_PASSWORD not in text
    assert_fits_phone(phone, shot, "4-resident-bill")

"""Metered lines in the monthly run: own usage from readings, shared-meter shares, notes, the resident's bill."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.billing import runs
from commerce.billing.models import Bill, BillingRun, BillLine
from commerce.ledger.services import household_balance
from commerce.meters.models import Apportionment, MeterBillLine, MeterReading
from tests.factories import ResidentMembershipFactory, UserFactory

from .conftest import reading

pytestmark = pytest.mark.django_db

D = Decimal
JAN = datetime.date(2026, 1, 1)
FEB = datetime.date(2026, 2, 1)


def run_now(office, by, month=JAN):
    run = BillingRun.objects.create(
        office=office, period_start=month, period_end=runs.month_bounds(month)[1], created_by=by
    )
    return runs.execute_run(run.pk)


@pytest.fixture
def readings(shared):
    """January: the units use 10, 20 and 30 m³; the master 70 m³, so 10 m³ of loss split by area 60/90/150."""
    master, subs = shared
    reading(master, "2025-12-31", "1000")
    reading(master, "2026-01-31", "1070")
    for m, (before, after) in zip(subs, [("100", "110"), ("200", "220"), ("300", "330")], strict=True):
        reading(m, "2025-12-31", before)
        reading(m, "2026-01-31", after)
    return master, subs


def test_the_run_bills_each_units_usage_and_its_share_of_the_loss(site, units, readings, clerk):
    run = run_now(site.office, clerk)

    assert run.status == "done" and run.billed == 3 and run.error_count == 0
    lines = {
        (line.bill.unit.number, line.amount, line.quantity, line.explanation)
        for line in BillLine.objects.select_related("bill__unit")
    }
    assert lines == {
        ("1101", D("35.00"), D("10"), "100 → 110 m³ · 10 m³ × ¥3.50 = ¥35.00"),
        ("1101", D("7.00"), D("2"), "Shared meter (公摊) W-M, by floor area: 2 m³ × ¥3.50 = ¥7.00"),
        ("1102", D("70.00"), D("20"), "200 → 220 m³ · 20 m³ × ¥3.50 = ¥70.00"),
        ("1102", D("10.50"), D("3"), "Shared meter (公摊) W-M, by floor area: 3 m³ × ¥3.50 = ¥10.50"),
        ("1103", D("105.00"), D("30"), "300 → 330 m³ · 30 m³ × ¥3.50 = ¥105.00"),
        ("1103", D("17.50"), D("5"), "Shared meter (公摊) W-M, by floor area: 5 m³ × ¥3.50 = ¥17.50"),
    }
    assert household_balance(units[0]) == D("42.00")
    saved = Apportionment.objects.get()
    assert saved.loss == D("10") and MeterBillLine.objects.filter(share__apportionment=saved).count() == 3
    own = MeterBillLine.objects.get(bill_line__bill__unit=units[0], share__isnull=True)
    assert (own.from_reading.value, own.to_reading.value) == (D("100"), D("110"))


def test_next_month_counts_from_the_reading_billed_last(site, units, readings, clerk):
    master, subs = readings
    run_now(site.office, clerk)
    # February: no reading for 1101 (nothing billed), 1102 read twice, 1103 held (not billed).
    reading(subs[1], "2026-02-10", "225")
    reading(subs[1], "2026-02-28", "231")
    reading(subs[2], "2026-02-28", "320", status=MeterReading.Status.HELD)

    run = run_now(site.office, clerk, FEB)

    water = {b.unit.number: [line.explanation for line in b.lines.all()] for b in Bill.objects.filter(period_start=FEB)}
    assert water == {"1102": ["220 → 231 m³ · 11 m³ × ¥3.50 = ¥38.50"]}
    assert run.notes[:2] == [
        "“metered item”: 1 unit has no reading for this month and is not billed for it.",
        "“metered item”: 1 unit has a reading held for confirmation and is not billed for it.",
    ]
    assert any("W-M has no usable reading for 2026-02" in note for note in run.notes)


def test_a_negative_loss_is_noted_and_no_share_is_billed(site, units, shared, clerk):
    master, subs = shared
    reading(master, "2025-12-31", "1000")
    reading(master, "2026-01-31", "1050")
    for m in subs:
        reading(m, "2025-12-31", "0")
        reading(m, "2026-01-31", "20")

    run = run_now(site.office, clerk)

    assert run.billed == 3 and not Apportionment.objects.exists()
    assert BillLine.objects.count() == 3  # own usage only
    assert any("loss is negative (-10)" in note for note in run.notes)


def test_the_preview_totals_metered_items_and_writes_nothing(site, units, readings, clerk):
    preview = runs.preview_run(site.office, JAN)

    totals = {row.item.code: (row.units, row.total) for row in preview.items}
    assert totals == {"water": (3, D("245.00"))}
    assert preview.total == D("245.00") and preview.notes == []
    assert not Apportionment.objects.exists() and not Bill.objects.exists()


def test_the_resident_bill_shows_the_readings_and_the_whole_shared_meter_calculation(
    client, site, units, readings, clerk
):
    run_now(site.office, clerk)
    resident = UserFactory()
    ResidentMembershipFactory(user=resident, unit=units[1])
    client.force_login(resident)
    bill = Bill.objects.get(unit=units[1])

    page = client.get(reverse("my_bill", args=[bill.pk])).content.decode()

    assert "Meter W-1102, read on 2025-12-31 and 2026-01-31" in page
    assert "How the shared meter W-M was split" in page
    assert "1000 (2025-12-31) → 1070 (2026-01-31) = 70 m³" in page
    assert "60 m³ (3 units)" in page
    assert "70 − 60 = <strong>10 m³</strong>" in page
    assert "By floor area: your 90 m² of 300 m²" in page
    assert "10 × 90 ÷ 300 ≈ 3 m³" in page


def test_a_neighbour_does_not_see_anothers_bill(client, site, units, readings, clerk):
    run_now(site.office, clerk)
    neighbour = UserFactory()
    ResidentMembershipFactory(user=neighbour, unit=units[0])
    client.force_login(neighbour)

    assert client.get(reverse("my_bill", args=[Bill.objects.get(unit=units[1]).pk])).status_code == 404

"""Correcting a reading after it was billed: history kept, old bill untouched, the difference on the next run."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from commerce.billing import runs
from commerce.billing.models import Bill, BillingRun, BillLine
from commerce.ledger.services import household_balance
from commerce.meters import corrections
from commerce.meters.models import MeterBillLine, MeterReading, ReadingCorrection, UsageCorrection
from portal.append_only import AppendOnlyError
from tests.factories import ResidentMembershipFactory, UserFactory

from .conftest import meter, reading

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB, MAR = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)


def run_now(office, by, month):
    run = BillingRun.objects.create(
        office=office, period_start=month, period_end=runs.month_bounds(month)[1], created_by=by
    )
    return runs.execute_run(run.pk)


@pytest.fixture
def billed(site, water, units, clerk):
    """W-1101 read 100 (Dec) and 110 (Jan, billed 10 m³ = ¥35.00)."""
    m = meter(site.office, water, "W-1101", unit=units[0])
    reading(m, "2025-12-31", "100")
    jan = reading(m, "2026-01-31", "110", previous="100")
    run_now(site.office, clerk, JAN)
    return m, jan


def water_lines(unit, month):
    bill = Bill.objects.get(unit=unit, period_start=month)
    return [(line.amount, line.quantity, line.explanation) for line in bill.lines.order_by("pk")]


def test_a_higher_corrected_reading_charges_the_difference_on_the_next_run_and_keeps_the_old_bill(
    site, units, billed, clerk
):
    m, jan = billed
    jan_bill = Bill.objects.get(unit=units[0], period_start=JAN)

    correction = corrections.correct_reading(jan, "120", clerk, "Digit misread")

    jan.refresh_from_db()
    assert (jan.value, jan.usage) == (D("120"), D("20"))
    assert (correction.old_value, correction.new_value, correction.corrected_by) == (D("110"), D("120"), clerk)
    usage = correction.usage_corrections.get()
    assert (usage.usage_before, usage.usage_after, usage.amount_before, usage.amount_after, usage.amount) == (
        D("10"), D("20"), D("35.00"), D("70.00"), D("35.00")
    )  # fmt: skip
    jan_bill.refresh_from_db()
    assert jan_bill.total == D("35.00") and jan_bill.lines.get().amount == D("35.00")

    reading(m, "2026-02-28", "125", previous="120")
    run = run_now(site.office, clerk, FEB)

    assert "1 reading correction of an earlier month is charged or credited on this run." in run.notes
    lines = water_lines(units[0], FEB)
    assert lines[0][:2] == (D("17.50"), D("5"))  # counted from the corrected 120
    assert lines[1][:2] == (D("35.00"), D("10"))
    assert "Correction of 2026-01: meter W-1101, reading of 2026-01-31 corrected from 110 to 120" in lines[1][2]
    assert "(Digit misread); usage 10 → 20 m³, ¥35.00 → ¥70.00" in lines[1][2]
    assert household_balance(units[0]) == D("35.00") + D("17.50") + D("35.00")


def test_a_lower_corrected_reading_credits_the_difference_against_the_next_metered_charges(site, units, billed, clerk):
    m, jan = billed
    corrections.correct_reading(jan, "104", clerk, "Read the wrong meter")
    reading(m, "2026-02-28", "120", previous="104")

    run_now(site.office, clerk, FEB)

    assert [line[:2] for line in water_lines(units[0], FEB)] == [(D("56.00"), D("16")), (D("-21.00"), D("-6"))]
    assert Bill.objects.get(unit=units[0], period_start=FEB).total == D("35.00")
    assert household_balance(units[0]) == D("70.00")  # 20 m³ in two months, ¥3.50 each


def test_a_credit_larger_than_the_next_bill_is_spread_and_no_bill_goes_to_zero(site, units, billed, clerk):
    m, jan = billed
    corrections.correct_reading(jan, "100", clerk, "Meter was not read")  # January should have been 0 m³
    reading(m, "2026-02-28", "104", previous="100")
    reading(m, "2026-03-31", "120", previous="104")

    run_now(site.office, clerk, FEB)
    run_now(site.office, clerk, MAR)

    feb, mar = water_lines(units[0], FEB), water_lines(units[0], MAR)
    assert [line[0] for line in feb] == [D("14.00"), D("-13.99")]
    assert "credited here: ¥13.99 of ¥35.00; the rest on a later bill" in feb[1][2]
    assert [line[0] for line in mar] == [D("56.00"), D("-21.01")]
    assert household_balance(units[0]) == D("70.00")  # 20 m³ over three months
    assert corrections.pending(site.office, datetime.date(2026, 4, 1)) == []


def test_a_correction_is_billed_once_even_when_the_run_is_repeated(site, units, billed, clerk):
    m, jan = billed
    corrections.correct_reading(jan, "112", clerk, "Typo")
    reading(m, "2026-02-28", "115", previous="112")
    run_now(site.office, clerk, FEB)
    run_now(site.office, clerk, FEB)
    run_now(site.office, clerk, MAR)

    assert MeterBillLine.objects.filter(correction__isnull=False).count() == 1
    assert not BillLine.objects.filter(bill__period_start=MAR).exists()


def test_correcting_a_reading_counted_by_two_bills_corrects_both_months(site, units, billed, clerk, water):
    m, jan = billed
    feb = reading(m, "2026-02-28", "130", previous="110")
    run_now(site.office, clerk, FEB)

    correction = corrections.correct_reading(jan, "115", clerk, "Typo")

    assert sorted(u.amount for u in correction.usage_corrections.all()) == [D("-17.50"), D("17.50")]
    feb.refresh_from_db()
    assert (feb.previous_value, feb.usage) == (D("115"), D("15"))


def test_corrections_are_history_that_cannot_be_edited(site, billed, clerk):
    _m, jan = billed
    correction = corrections.correct_reading(jan, "111", clerk, "Typo")

    with pytest.raises(AppendOnlyError):
        ReadingCorrection.objects.filter(pk=correction.pk).update(reason="changed")
    with pytest.raises(AppendOnlyError):
        UsageCorrection.objects.get().delete()


@pytest.mark.parametrize(
    ("value", "reason", "message"),
    [
        ("95", "Typo", "cannot be lower than the reading before it (100 on 2025-12-31)"),
        ("110", "Typo", "the same as the reading"),
        ("abc", "Typo", "is not a number"),
        ("120", "  ", "Give a reason for the correction"),
    ],
)
def test_a_bad_correction_is_refused_and_changes_nothing(billed, clerk, value, reason, message):
    _m, jan = billed
    with pytest.raises(ValidationError) as refused:
        corrections.correct_reading(jan, value, clerk, reason)

    assert message in " ".join(refused.value.messages)
    jan.refresh_from_db()
    assert jan.value == D("110") and not ReadingCorrection.objects.exists()


def test_a_held_reading_is_not_corrected_but_decided(site, water, units, clerk):
    m = meter(site.office, water, "W-1102", unit=units[1])
    reading(m, "2025-12-31", "100")
    held = reading(m, "2026-01-31", "90", status=MeterReading.Status.HELD, previous="100")

    with pytest.raises(ValidationError, match="a held reading is confirmed or rejected"):
        corrections.correct_reading(held, "105", clerk, "Typo")


def test_staff_of_another_office_cannot_correct(billed, other_clerk):
    _m, jan = billed
    with pytest.raises(PermissionDenied):
        corrections.correct_reading(jan, "120", other_clerk, "Typo")


# --- the back-office screen ----------------------------------------------------------------------


def test_a_clerk_corrects_a_reading_from_the_back_office(client, site, units, billed, clerk):
    _m, jan = billed
    client.force_login(clerk)
    url = reverse("meters_readings:correct", args=[jan.pk])

    page = client.get(url).content.decode()
    assert "2026-01" in page and "¥35.00" in page  # the bill that counted it

    response = client.post(url, {"value": "120", "reason": "Digit misread"}, follow=True)

    assert "Reading of W-1101 corrected from 110 to 120" in response.content.decode()
    assert ReadingCorrection.objects.get().reason == "Digit misread"
    page = client.get(url).content.decode()
    assert "Digit misread" in page and str(clerk) in page


def test_a_bad_correction_over_http_says_why_and_changes_nothing(client, billed, clerk):
    _m, jan = billed
    client.force_login(clerk)

    response = client.post(reverse("meters_readings:correct", args=[jan.pk]), {"value": "120", "reason": ""})

    assert response.status_code == 200
    assert "Give a reason for the correction" in response.content.decode()
    assert not ReadingCorrection.objects.exists()


def test_the_corrections_list_shows_what_is_still_to_bill(client, site, billed, clerk, other_clerk):
    _m, jan = billed
    corrections.correct_reading(jan, "120", clerk, "Digit misread")
    client.force_login(clerk)

    page = client.get(reverse("meters_readings:corrections")).content.decode()

    assert "W-1101" in page and "Digit misread" in page and "¥35.00" in page
    client.force_login(other_clerk)
    assert "Digit misread" not in client.get(reverse("meters_readings:corrections")).content.decode()


def test_staff_of_another_office_get_a_404_for_the_correction_screen(client, billed, other_clerk):
    _m, jan = billed
    client.force_login(other_clerk)
    url = reverse("meters_readings:correct", args=[jan.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"value": "120", "reason": "x"}).status_code == 404


def test_the_resident_sees_why_the_next_bill_has_a_correction(client, site, units, billed, clerk):
    m, jan = billed
    corrections.correct_reading(jan, "120", clerk, "Digit misread")
    reading(m, "2026-02-28", "125", previous="120")
    run_now(site.office, clerk, FEB)
    resident = UserFactory()
    ResidentMembershipFactory(user=resident, unit=units[0])
    client.force_login(resident)

    page = client.get(reverse("my_bill", args=[Bill.objects.get(unit=units[0], period_start=FEB).pk]))

    assert "the reading of 2026-01-31 was corrected from 110 to 120" in page.content.decode()

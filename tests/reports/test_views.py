"""The report screens and their downloads, through HTTP, for the rightful clerk, another office and HQ."""

import csv
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from commerce.money import format_money
from commerce.payments.models import Payment
from commerce.reports import queries
from tests.reports.conftest import pay, run_month

pytestmark = pytest.mark.django_db

D = Decimal
REPORTS = ["arrears", "collection", "balances", "cash", "vouchers"]


def url(name, **params):
    from urllib.parse import urlencode

    return reverse(f"reports_{name}:index") + (f"?{urlencode(params)}" if params else "")


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def read_xlsx(response):
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [["" if v is None else v for v in row] for row in book.active.iter_rows(values_only=True)]


@pytest.fixture
def billed(site, other_site, unit, neighbour_unit, other_unit, hundred, clerk):
    for month in (1, 2):
        run_month(site.office, 2025, month)
        run_month(other_site.office, 2025, month)
    pay(clerk, neighbour_unit, "150.00")


@pytest.mark.parametrize("name", REPORTS)
def test_a_technician_is_refused_every_report(client, technician, name):
    client.force_login(technician)
    response = client.get(url(name))
    assert response.status_code in (302, 403) and 'class="listing report-table"' not in response.content.decode()


@pytest.mark.parametrize("name", REPORTS)
def test_a_clerk_opens_every_report(client, clerk, billed, name):
    client.force_login(clerk)
    response = client.get(url(name))
    assert response.status_code == 200


def test_the_arrears_screen_shows_only_the_clerks_office(client, clerk, other_clerk, hq, billed, unit, other_unit):
    params = {"as_of": "2025-03-01"}
    client.force_login(clerk)
    page = client.get(url("arrears", **params)).content.decode()
    assert "Garden a" in page and "Garden b" not in page and "¥250.00" in page
    # Naming another office in the filters is refused with a message, and shows nothing of it.
    refused = client.get(url("arrears", office=other_unit.building.community.office_id, **params)).content.decode()
    assert "Select a valid choice" in refused and "Garden b" not in refused
    assert client.get(url("arrears", format="csv", office=other_unit.building.community.office_id)).status_code == 200
    client.force_login(other_clerk)
    page = client.get(url("arrears", **params)).content.decode()
    assert "Garden b" in page and "Garden a" not in page
    client.force_login(hq)
    page = client.get(url("arrears", **params)).content.decode()
    assert "Garden a" in page and "Garden b" in page and "¥450.00" in page


def test_arrears_csv_and_xlsx_hold_the_screen_figures(client, clerk, billed, unit, neighbour_unit):
    client.force_login(clerk)
    params = {"as_of": "2025-03-15"}  # Jan is 43 days old, Feb 15
    screen = client.get(url("arrears", **params)).content.decode()
    rows = read_csv(client.get(url("arrears", format="csv", **params)))
    buckets = ["0–30 days", "31–60 days", "61–90 days", "90+ days"]
    assert rows[0] == ["Community", "Building", "Unit", *buckets, "Total owed"]
    assert rows[1] == ["Garden a", "3", "101", "100.00", "100.00", "0.00", "0.00", "200.00"]
    assert rows[2] == ["Garden a", "3", "102", "50.00", "0.00", "0.00", "0.00", "50.00"]
    assert rows[3] == ["Total", "", "2 households", "150.00", "100.00", "0.00", "0.00", "250.00"]
    for row in rows[1:]:
        for amount in row[3:]:
            assert format_money(D(amount)) in screen
    sheet = read_xlsx(client.get(url("arrears", format="xlsx", **params)))
    assert [str(c) for c in sheet[0]] == rows[0]
    assert [sheet[1][2], sheet[1][7]] == ["101", 200] and sheet[3][7] == 250
    assert [[f"{D(str(v)):.2f}" if isinstance(v, int | float) else v for v in row] for row in sheet[1:]] == rows[1:]


def test_collection_csv_and_xlsx_hold_the_screen_figures(client, clerk, billed):
    client.force_login(clerk)
    params = {"month_from": "2025-01", "month_to": "2025-02", "group": "building"}
    screen = client.get(url("collection", **params)).content.decode()
    assert "62.50%" not in screen and "37.50%" in screen  # 150 of 400
    assert "<svg" in screen
    rows = read_csv(client.get(url("collection", format="csv", **params)))
    assert rows == [
        ["Building", "Receivable", "Collected", "Collection rate %"],
        ["Garden a · 3", "400.00", "150.00", "37.50"],
        ["Total", "400.00", "150.00", "37.50"],
    ]
    sheet = read_xlsx(client.get(url("collection", format="xlsx", **params)))
    assert sheet[1] == ["Garden a · 3", 400, 150, 37.5]


def test_a_reversed_month_range_is_refused_with_a_message(client, clerk, billed):
    client.force_login(clerk)
    page = client.get(url("collection", month_from="2025-03", month_to="2025-01")).content.decode()
    assert "The last month is before the first." in page
    assert 'class="listing report-table"' not in page
    assert client.get(url("collection", month_from="March", month_to="2025-01")).status_code == 200


def test_prepayments_list_households_that_paid_ahead(client, clerk, billed, site, unit):
    from commerce.payments import services as payments

    payments.record_desk_payment(clerk, unit, D("500.00"), "cash", prepayment=True)  # owes 200: 300 ahead
    client.force_login(clerk)
    screen = client.get(url("balances")).content.decode()
    assert "¥300.00" in screen
    rows = read_csv(client.get(url("balances", format="csv")))
    assert ["Garden a", "3", "101", "300.00"] in rows


def test_the_daily_cash_report_groups_by_method_and_clerk_and_nets_refunds(client, clerk, billed, site, unit):
    card = pay(clerk, unit, "100.00", method="card")
    client.force_login(clerk)
    today = timezone.localdate().isoformat()
    screen = client.get(url("cash", office=site.office.pk, day=today)).content.decode()
    cash = Payment.objects.get(method="cash")
    assert cash.receipt_number in screen and card.receipt_number in screen
    assert "Clerk A" in screen and "¥250.00" in screen
    Refund = queries.refund_model()
    if Refund is not None:
        now = timezone.now()
        Refund.objects.create(payment=card, amount=D("40.00"), reason="x", status="succeeded", decided_at=now)
    rows = read_csv(client.get(url("cash", office=site.office.pk, day=today, format="csv")))
    assert ["Cash", "1", "150.00"] in rows and ["Bank card", "1", "100.00"] in rows
    assert ["Clerk A", "2", "250.00"] in rows
    if Refund is not None:
        assert ["Net", "210.00"] in rows
    other_day = client.get(url("cash", office=site.office.pk, day="2020-01-01", format="csv"))
    assert ["Net", "0.00"] in read_csv(other_day)


def test_the_voucher_export_balances_every_posting(client, clerk, billed, site, unit):
    client.force_login(clerk)
    today = timezone.localdate().isoformat()
    rows = read_csv(client.get(url("vouchers", office=site.office.pk, date_from=today, date_to=today, format="csv")))
    header, body, totals = rows[0], rows[1:-1], rows[-1]
    assert header == [
        "Date",
        "Posting",
        "Posting key",
        "Memo",
        "Account code",
        "Account",
        "Auxiliary",
        "Debit",
        "Credit",
    ]
    per_posting = defaultdict(lambda: [D(0), D(0)])
    for row in body:
        debit, credit = D(row[7]), D(row[8])
        assert debit >= 0 and credit >= 0 and (debit == 0) != (credit == 0)
        per_posting[row[1]][0] += debit
        per_posting[row[1]][1] += credit
    assert per_posting and all(d == c for d, c in per_posting.values())
    codes = {row[4] for row in body}
    assert {"1122", "6001-fixed-per-unit", "1001"} <= codes
    bill_rows = [r for r in body if r[2] == f"bill:{unit.pk}:2025-01"]
    assert [(r[4], r[6], r[7], r[8]) for r in bill_rows] == [
        ("1122", str(unit), "100.00", "0.00"),
        ("6001-fixed-per-unit", "", "0.00", "100.00"),
    ]
    assert totals[7] == totals[8] and D(totals[7]) == sum(d for d, _c in per_posting.values())
    assert "Garden b" not in "".join(",".join(r) for r in rows)
    screen = client.get(url("vouchers", office=site.office.pk, date_from=today, date_to=today)).content.decode()
    assert f"bill:{unit.pk}:2025-01" in screen


def test_the_reports_menu_is_shown_to_clerks_only(client, clerk, technician):
    client.force_login(clerk)
    assert reverse("reports_arrears:index") in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(technician)
    home = client.get(reverse("wagtailadmin_home"))
    assert home.status_code != 200 or reverse("reports_arrears:index") not in home.content.decode()

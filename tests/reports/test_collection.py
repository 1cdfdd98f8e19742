"""Collection rate (收缴率): receivable vs collected for bills issued in a period, per group."""

import datetime
from decimal import Decimal

import pytest

from commerce.billing.models import Bill
from commerce.ledger import services as ledger
from commerce.reports import queries
from tests.billing.conftest import make_item
from tests.reports.conftest import make_unit, pay, run_month, scope_for

pytestmark = pytest.mark.django_db

D = Decimal
JAN_FEB = (datetime.date(2025, 1, 1), datetime.date(2025, 2, 1))


def figures(page):
    return [(r.label, str(r.receivable), str(r.collected), None if r.rate is None else str(r.rate)) for r in page.rows]


def test_rates_are_exact_decimals_per_office_community_and_building(site, unit, neighbour_unit, hundred, clerk):
    for month in (1, 2, 3):
        run_month(site.office, 2025, month)
    pay(clerk, unit, "200.00")  # Jan and Feb
    pay(clerk, neighbour_unit, "50.00")  # half of Jan
    scope = scope_for(clerk, period=JAN_FEB)  # March is outside the period
    for group, label in (("office", "Office a"), ("community", "Garden a"), ("building", "Garden a · 3")):
        page = queries.collection_page(scope, group)
        assert figures(page) == [(label, "400.00", "250.00", "62.50")]
        assert page.totals.rate == D("62.50") and page.count == 1


def test_a_third_is_rounded_half_up_to_two_places(site, unit, hundred, clerk):
    run_month(site.office, 2025, 1)
    run_month(site.office, 2025, 2)
    run_month(site.office, 2025, 3)
    pay(clerk, unit, "100.00")
    period = (datetime.date(2025, 1, 1), datetime.date(2025, 3, 1))
    page = queries.collection_page(scope_for(clerk, period=period), "office")
    assert figures(page)[0][1:] == ("300.00", "100.00", "33.33")


def test_by_charge_item_collections_are_spread_over_lines_in_proportion(site, unit, clerk):
    make_item(site.office, "fixed_per_unit", code="property-fee", price="60.00")
    make_item(site.office, "fixed_per_unit", code="garbage", price="40.00")
    run_month(site.office, 2025, 1)
    pay(clerk, unit, "50.00")
    page = queries.collection_page(scope_for(clerk, period=(JAN_FEB[0], JAN_FEB[0])), "item")
    assert sorted((r.receivable, r.collected, r.rate) for r in page.rows) == [
        (D("40.00"), D("20.00"), D("50.00")),
        (D("60.00"), D("30.00"), D("50.00")),
    ]
    assert page.totals.receivable == D("100.00") and page.totals.collected == D("50.00")


def test_item_shares_round_to_the_cent_per_line(site, unit, clerk):
    make_item(site.office, "fixed_per_unit", code="a", price="33.33")
    make_item(site.office, "fixed_per_unit", code="b", price="66.67")
    run_month(site.office, 2025, 1)
    pay(clerk, unit, "10.00")
    page = queries.collection_page(scope_for(clerk, period=(JAN_FEB[0], JAN_FEB[0])), "item")
    assert sorted((r.receivable, r.collected) for r in page.rows) == [(D("33.33"), D("3.33")), (D("66.67"), D("6.67"))]


def test_voided_bills_and_other_months_are_not_receivable(site, unit, hundred, clerk):
    from commerce.billing import runs as billing_runs
    from portal.people.models import StaffRole
    from tests.properties.conftest import staff

    run_month(site.office, 2025, 1)
    feb = run_month(site.office, 2025, 2)
    billing_runs.void_run(feb, staff(StaffRole.OFFICE_MANAGER, site.office), "mistake")
    page = queries.collection_page(scope_for(clerk, period=JAN_FEB), "office")
    assert figures(page)[0][1:] == ("100.00", "0.00", "0.00")


def test_the_payer_filter_separates_developer_bills(site, unit, unsold_unit, hundred, clerk):
    run_month(site.office, 2025, 1)
    pay(clerk, unit, "100.00")
    period = (JAN_FEB[0], JAN_FEB[0])
    assert figures(queries.collection_page(scope_for(clerk, period=period), "office"))[0][1:] == (
        "200.00",
        "100.00",
        "50.00",
    )
    household = queries.collection_page(scope_for(clerk, period=period, payer="household"), "office")
    developer = queries.collection_page(scope_for(clerk, period=period, payer="developer"), "office")
    assert figures(household)[0][3] == "100.00" and figures(developer)[0][3] == "0.00"


def test_late_fees_add_to_receivable_and_waivers_take_off(site, unit, neighbour_unit, hundred, clerk):
    from commerce.ledger.models import AccountKind

    Adjustment = queries.adjustment_model()
    if Adjustment is None:
        pytest.skip("commerce.adjustments is not installed")
    run_month(site.office, 2025, 1)
    company = site.office.region.company
    income = ledger.system_account(company, AccountKind.INCOME, charge_code="late-fee", office=site.office)

    def adjust(target_unit, kind, amount, day=None):
        bill = Bill.objects.get(unit=target_unit)
        posting = ledger.post(
            key=f"test-adj:{bill.pk}:{kind}",
            company=company,
            office=site.office,
            lines=[(ledger.household_account(target_unit), D(amount)), (income, -D(amount))],
            memo="adjustment",
        )
        Adjustment.objects.create(bill=bill, kind=kind, amount=D(amount), accrual_date=day, posting=posting)

    adjust(unit, "late_fee", "5.00", datetime.date(2025, 2, 20))
    adjust(neighbour_unit, "waiver", "-20.00")
    pay(clerk, neighbour_unit, "80.00")
    page = queries.collection_page(scope_for(clerk, period=(JAN_FEB[0], JAN_FEB[0])), "office")
    assert figures(page)[0][1:] == ("185.00", "80.00", "43.24")
    [row] = queries.arrears_page(scope_for(clerk), datetime.date(2025, 3, 1)).rows
    assert row.unit == unit and row.total == D("105.00")


def test_refunds_make_a_bill_owe_again(site, unit, hundred, clerk):
    RefundAllocation = queries.refund_allocation_model()
    if RefundAllocation is None:
        pytest.skip("refunds are not installed")
    from commerce.payments.models import Refund

    run_month(site.office, 2025, 1)
    payment = pay(clerk, unit, "100.00")
    refund = Refund.objects.create(payment=payment, amount=D("30.00"), reason="overcharged", status="succeeded")
    RefundAllocation.objects.create(refund=refund, bill=Bill.objects.get(unit=unit), amount=D("30.00"))
    page = queries.collection_page(scope_for(clerk, period=(JAN_FEB[0], JAN_FEB[0])), "office")
    assert figures(page)[0][1:] == ("100.00", "70.00", "70.00")
    [row] = queries.arrears_page(scope_for(clerk), datetime.date(2025, 2, 1)).rows
    assert row.total == D("30.00")


def test_office_grouping_for_headquarters_lists_every_office(site, other_site, unit, other_unit, hundred, hq, clerk):
    run_month(site.office, 2025, 1)
    run_month(other_site.office, 2025, 1)
    pay(clerk, unit, "100.00")
    period = (JAN_FEB[0], JAN_FEB[0])
    page = queries.collection_page(scope_for(hq, period=period), "office")
    assert figures(page) == [("Office a", "100.00", "100.00", "100.00"), ("Office b", "100.00", "0.00", "0.00")]
    assert page.totals.rate == D("50.00")
    assert [r.label for r in queries.collection_page(scope_for(hq, period=period), "office", order="rate").rows] == [
        "Office b",
        "Office a",
    ]
    assert [r.label for r in queries.collection_page(scope_for(clerk, period=period), "office").rows] == ["Office a"]
    assert list(queries.iter_collection(scope_for(hq, period=period), "office"))[1].label == "Office b"
    extra = make_unit(site, "109")
    assert extra.pk  # a unit without bills adds nothing
    assert queries.collection_totals(scope_for(hq, period=period), "building").receivable == D("200.00")

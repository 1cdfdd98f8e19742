"""Arrears with aging (欠费账龄): what households owe, split by the age of each bill."""

import datetime
from decimal import Decimal

import pytest

from commerce.billing import runs as billing_runs
from commerce.reports import queries
from commerce.reports.queries import Scope
from portal.people.models import StaffRole
from tests.properties.conftest import staff
from tests.reports.conftest import pay, run_month, scope_for

pytestmark = pytest.mark.django_db

JAN_END = datetime.date(2025, 1, 31)
D = Decimal


def buckets(row):
    return [str(amount) for amount in row.buckets]


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0, 0), (30, 0), (31, 1), (60, 1), (61, 2), (90, 2), (91, 3), (400, 3)],
)
def test_a_bill_falls_in_the_bucket_of_its_age_in_days_since_its_period_end(site, unit, hundred, clerk, days, bucket):
    run_month(site.office, 2025, 1)
    page = queries.arrears_page(scope_for(clerk), JAN_END + datetime.timedelta(days=days))
    [row] = page.rows
    expected = ["0.00"] * 4
    expected[bucket] = "100.00"
    assert row.unit == unit and buckets(row) == expected and row.total == D("100.00")


def test_partly_paid_bills_count_what_is_left_oldest_first(site, unit, neighbour_unit, hundred, clerk):
    for month in (1, 2, 3):
        run_month(site.office, 2025, month)
    pay(clerk, unit, "130.00")  # Jan settled, Feb owes 70, Mar 100
    pay(clerk, neighbour_unit, "300.00")  # settled: not listed
    page = queries.arrears_page(scope_for(clerk), datetime.date(2025, 4, 1))  # Mar: 1 day, Feb: 32 days
    [row] = page.rows
    assert row.unit == unit
    assert buckets(row) == ["100.00", "70.00", "0.00", "0.00"] and row.total == D("170.00")
    assert page.count == 1 and page.totals.total == D("170.00") and page.totals.buckets[1] == D("70.00")


def test_voided_bills_are_left_out(site, unit, hundred, clerk):
    run_month(site.office, 2025, 1)
    feb = run_month(site.office, 2025, 2)
    manager = staff(StaffRole.OFFICE_MANAGER, site.office)
    billing_runs.void_run(feb, manager, "wrong price")
    [row] = queries.arrears_page(scope_for(clerk), datetime.date(2025, 3, 1)).rows
    assert row.total == D("100.00") and buckets(row) == ["100.00", "0.00", "0.00", "0.00"]


def test_developer_bills_are_reported_apart_from_households(site, unit, unsold_unit, hundred, clerk):
    run_month(site.office, 2025, 1)
    as_of = datetime.date(2025, 2, 1)
    households = queries.arrears_page(scope_for(clerk, payer="household"), as_of)
    developer = queries.arrears_page(scope_for(clerk, payer="developer"), as_of)
    assert [row.unit for row in households.rows] == [unit]
    assert [row.unit for row in developer.rows] == [unsold_unit] and developer.totals.total == D("100.00")


def test_staff_see_only_their_offices_and_headquarters_see_the_company(
    site, other_site, unit, other_unit, hundred, clerk, other_clerk, hq
):
    run_month(site.office, 2025, 1)
    run_month(other_site.office, 2025, 1)
    as_of = datetime.date(2025, 2, 1)
    assert [r.unit for r in queries.arrears_page(scope_for(clerk), as_of).rows] == [unit]
    assert [r.unit for r in queries.arrears_page(scope_for(other_clerk), as_of).rows] == [other_unit]
    assert {r.unit for r in queries.arrears_page(scope_for(hq), as_of).rows} == {unit, other_unit}
    # Asking for another office's figures through the filter gives nothing.
    assert queries.arrears_page(scope_for(clerk, office_id=other_site.office.pk), as_of).rows == []
    assert queries.arrears_page(Scope(frozenset()), as_of).rows == []


def test_pages_are_ordered_by_total_and_carry_count_and_totals(site, unit, neighbour_unit, hundred, clerk):
    run_month(site.office, 2025, 1)
    run_month(site.office, 2025, 2)
    pay(clerk, neighbour_unit, "150.00")  # owes 50
    scope = scope_for(clerk)
    as_of = datetime.date(2025, 3, 1)
    first = queries.arrears_page(scope, as_of, per_page=1)
    second = queries.arrears_page(scope, as_of, page=2, per_page=1)
    assert [r.total for r in first.rows + second.rows] == [D("200.00"), D("50.00")]
    assert first.count == 2 and first.num_pages == 2 and first.totals.total == D("250.00")
    assert second.totals.total == D("250.00")
    ascending = queries.arrears_page(scope, as_of, order="total")
    assert [r.unit for r in ascending.rows] == [neighbour_unit, unit]
    beyond = queries.arrears_page(scope, as_of, page=5, per_page=1)
    assert beyond.rows == [] and beyond.count == 2 and beyond.totals.total == D("250.00")
    assert [r.total for r in queries.iter_arrears(scope, as_of)] == [D("200.00"), D("50.00")]
    assert queries.arrears_totals(scope, as_of).total == D("250.00")


def test_the_community_and_building_filters_narrow_the_report(site, unit, hundred, clerk):
    run_month(site.office, 2025, 1)
    as_of = datetime.date(2025, 2, 1)
    assert queries.arrears_page(scope_for(clerk, building_id=site.building.pk), as_of).count == 1
    assert queries.arrears_page(scope_for(clerk, community_id=site.community.pk), as_of).count == 1
    assert queries.arrears_page(scope_for(clerk, building_id=site.building.pk + 999), as_of).count == 0

"""The leadership report's figures against the hand-computed answers in ``leadership_fixture``."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from commerce.reports import leadership as lq
from tests.reports.leadership_fixture import build

pytestmark = pytest.mark.django_db

D = Decimal
Q1 = (datetime.date(2025, 1, 1), datetime.date(2025, 3, 31))


@pytest.fixture
def world(site, other_site, company):
    return build(site, other_site, company)


def company(world):
    return lq.Level("company", frozenset({world.site.office.pk, world.other_site.office.pk}))


def office(world, site=None):
    site = site or world.site
    return lq.Level("office", frozenset({site.office.pk}), site.office)


def community(world):
    return lq.Level("community", None, world.site.office, world.site.community)


def test_fees_per_office_and_for_the_company(world):
    fees = lq.fees_by_child(company(world), *Q1)
    a, b = fees[world.site.office.pk], fees[world.other_site.office.pk]
    assert (a.receivable, a.collected, a.outstanding, a.rate) == (D("600.00"), D("250.00"), D("350.00"), D("41.67"))
    assert (b.receivable, b.collected, b.outstanding, b.rate) == (D("200.00"), D("200.00"), D("0.00"), D("100.00"))
    total = a + b
    assert (total.receivable, total.collected, total.outstanding, total.rate) == (
        D("800.00"),
        D("450.00"),
        D("350.00"),
        D("56.25"),
    )


def test_fees_drill_down_to_buildings(world):
    by_community = lq.fees_by_child(office(world), *Q1)
    assert list(by_community) == [world.site.community.pk]
    assert by_community[world.site.community.pk].receivable == D("600.00")
    by_building = lq.fees_by_child(community(world), *Q1)
    b3, b5 = by_building[world.site.building.pk], by_building[world.building5.pk]
    assert (b3.receivable, b3.collected, b3.outstanding, b3.rate) == (D("400.00"), D("250.00"), D("150.00"), D("62.50"))
    assert (b5.receivable, b5.collected, b5.outstanding, b5.rate) == (D("200.00"), D("0.00"), D("200.00"), D("0.00"))
    building = lq.Level("building", None, world.site.office, world.site.community, world.building5)
    assert lq.fees_by_child(building, *Q1) == {world.building5.pk: b5}


def test_a_period_without_bills_has_no_fees(world):
    assert lq.fees_by_child(company(world), datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)) == {}
    february = lq.fees_by_child(company(world), datetime.date(2025, 2, 1), datetime.date(2025, 2, 28))
    assert february[world.site.office.pk].receivable == D("300.00")
    assert february[world.site.office.pk].collected == D("50.00")


def test_fees_by_charge_item_add_up_across_offices(world):
    items = dict(lq.fees_by_item(office(world), *Q1))
    assert (items["Property fee"].receivable, items["Property fee"].collected, items["Property fee"].outstanding) == (
        D("360.00"),
        D("150.00"),
        D("210.00"),
    )
    assert (items["Garbage"].receivable, items["Garbage"].collected, items["Garbage"].outstanding) == (
        D("240.00"),
        D("100.00"),
        D("140.00"),
    )
    everywhere = dict(lq.fees_by_item(company(world), *Q1))
    assert everywhere["Property fee"].receivable == D("560.00")  # 360 in office a, 200 in office b
    assert everywhere["Property fee"].collected == D("350.00")


def test_collection_trend_covers_twelve_months(world):
    points = lq.collection_trend(company(world), datetime.date(2025, 3, 31))
    assert [p.month for p in points][0] == datetime.date(2024, 4, 1)
    assert [p.month for p in points][-1] == datetime.date(2025, 3, 1)
    by_month = {p.month: p.fees for p in points}
    assert by_month[datetime.date(2025, 1, 1)].receivable == D("400.00")
    # January: 101 100 + 102 100 + 201 100 of 400 → 75 %; February: 102 50 + 201 100 of 400 → 37.5 %
    assert by_month[datetime.date(2025, 1, 1)].collected == D("300.00")
    assert by_month[datetime.date(2025, 1, 1)].rate == D("75.00")
    assert by_month[datetime.date(2025, 2, 1)].rate == D("37.50")
    assert by_month[datetime.date(2024, 12, 1)].rate is None


def test_prepaid_counts_at_the_end_of_the_period(world, django_assert_max_num_queries):
    today = timezone.localdate()  # the payment was taken just now
    with django_assert_max_num_queries(1):
        prepaid = lq.prepaid_by_child(company(world), today)
    assert prepaid == {world.other_site.office.pk: lq.Prepaid(1, D("100.00"))}
    assert lq.prepaid_by_child(company(world), datetime.date(2025, 3, 31)) == {}


def test_arrears_aging_per_building(world):
    aging = lq.aging_by_child(community(world), datetime.date(2025, 3, 15))
    b3, b5 = aging[world.site.building.pk], aging[world.building5.pk]
    # January bills ended 2025-01-31 (43 days), February's 2025-02-28 (15 days).
    assert b3.households == 2 and b3.buckets == [D("150.00"), D("0.00"), D("0.00"), D("0.00")]
    assert b5.households == 1 and b5.buckets == [D("100.00"), D("100.00"), D("0.00"), D("0.00")]
    assert (b3 + b5).total == D("350.00")
    # On 15 May February's bills are 76 days old, January's 104.
    later = lq.aging_by_child(company(world), datetime.date(2025, 5, 15))
    assert later[world.site.office.pk].buckets == [D("0.00"), D("0.00"), D("250.00"), D("100.00")]
    assert world.other_site.office.pk not in later


def test_work_orders_volume_timeliness_and_satisfaction(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        orders = lq.work_orders_by_child(company(world), *Q1)
    a = orders[world.site.office.pk]
    assert (a.received, a.dispatched, a.dispatched_on_time, a.finished, a.finished_on_time) == (4, 3, 2, 2, 1)
    assert a.timely_dispatch == D("66.67") and a.finished_in_time == D("50.00")
    assert a.average_rating == D("4.0") and a.rated == 2
    assert (a.visited, a.visit_satisfied, a.visit_satisfaction) == (2, 1, D("50.00"))  # the last visit counts
    total = a + orders[world.other_site.office.pk]
    assert (total.received, total.timely_dispatch) == (5, D("75.00"))
    by_building = lq.work_orders_by_child(community(world), *Q1)
    assert by_building[world.site.building.pk].received == 4 and world.building5.pk not in by_building
    kinds = lq.work_orders_by_kind(office(world), *Q1)
    assert kinds == {("repair", "plumbing"): 2, ("complaint", "noise"): 1, ("enquiry", "other"): 1}


def test_clubhouse_utilisation_booked_over_open_hours(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        rows = lq.clubhouse_utilisation(office(world), *Q1)
    assert len(rows) == 1
    room = rows[0]
    assert (room.open_hours, room.booked_hours, room.rate) == (D("37.00"), D("1.50"), D("4.05"))
    # A building shows its community's facilities; the other office has none.
    building = lq.Level("building", None, world.site.office, world.site.community, world.building5)
    assert [u.facility.name for u in lq.clubhouse_utilisation(building, *Q1)] == ["Function room"]
    assert lq.clubhouse_utilisation(office(world, world.other_site), *Q1) == []


def test_open_slots_of_a_single_week(world):
    from portal.clubhouse.models import Facility

    room = Facility.objects.get(name="Function room")
    hours = list(room.hours.all())
    # 2025-02-03 is a Monday: 3 slots; the days after it in the same week have none.
    assert lq._open_slots(room, hours, datetime.date(2025, 2, 3), datetime.date(2025, 2, 9), []) == 3
    assert lq._open_slots(room, hours, datetime.date(2025, 2, 4), datetime.date(2025, 2, 9), []) == 0
    assert lq._open_slots(room, hours, datetime.date(2025, 2, 3), datetime.date(2025, 2, 10), []) == 6


def test_services_and_marketplace_gmv_and_commission(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        sales = lq.sales_by_child(company(world), *Q1)
    a = sales[world.site.office.pk]
    assert (a.service_orders, a.service_gmv) == (2, D("220.00"))
    assert (a.market_orders, a.market_gmv, a.commission) == (2, D("150.00"), D("8.00"))
    assert a.gmv == D("370.00")
    assert world.other_site.office.pk not in sales
    by_building = lq.sales_by_child(community(world), *Q1)
    assert by_building[world.site.building.pk] == a
    assert lq.sales_by_child(company(world), datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)) == {}

"""KPI figures from a fixture with known answers."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.workorders import kpis, services
from portal.workorders.models import WorkOrder

from .conftest import jpeg

pytestmark = pytest.mark.django_db

DAY = datetime.datetime(2030, 6, 10, 9, 0, tzinfo=datetime.UTC)
M = datetime.timedelta(minutes=1)


def repair(w, *, at, dispatch_after, arrive_after, finish_after, rating=None, visit=None, tech=None):
    order = services.file_request(
        by=w.resident, unit=w.unit, kind="repair", category="plumbing", description="x", now=at
    )
    tech = tech or w.tech
    order = services.dispatch(order, by=w.keeper, technician=tech, now=at + dispatch_after)
    order = services.check_in(order, by=tech, now=at + dispatch_after + arrive_after)
    services.add_photos(order, by=tech, stage="before", files=[jpeg()])
    services.add_photos(order, by=tech, stage="after", files=[jpeg()])
    order = services.finish(order, by=tech, resolution="done", now=at + finish_after)
    if rating:
        order = services.accept(order, by=w.resident, rating=rating, now=at + finish_after + M)
    if visit is not None:
        services.record_return_visit(
            order, by=w.keeper, channel="phone", satisfied=visit, result="ok", now=at + finish_after + 2 * M
        )
    return order


@pytest.fixture
def fixture_orders(w):
    # Four repairs: dispatched after 2, 2, 5 and 1 minutes (one late); arrived after 20, 40, 10, 30 minutes;
    # finished within the 2-day promise except the third (3 days).
    repair(w, at=DAY, dispatch_after=2 * M, arrive_after=20 * M, finish_after=120 * M, rating=5, visit=True)
    repair(w, at=DAY, dispatch_after=2 * M, arrive_after=40 * M, finish_after=240 * M, rating=3)
    repair(w, at=DAY, dispatch_after=5 * M, arrive_after=10 * M, finish_after=datetime.timedelta(days=3), tech=w.tech2)
    repair(w, at=DAY, dispatch_after=1 * M, arrive_after=30 * M, finish_after=60 * M, visit=True)
    # Two complaints: one answered and judged valid, one still open.
    complaint = services.file_request(
        by=w.resident, unit=w.unit, kind="complaint", category="noise", description="x", now=DAY
    )
    services.answer(complaint, by=w.keeper, reply="Handled", complaint_valid=True, now=DAY + 10 * M)
    services.file_request(by=w.resident, unit=w.unit, kind="complaint", category="noise", description="y", now=DAY)
    # Outside the period: ignored.
    services.file_request(
        by=w.resident,
        unit=w.unit,
        kind="repair",
        category="plumbing",
        description="z",
        now=DAY - datetime.timedelta(days=40),
    )


def test_kpis_of_an_office_match_the_known_answers(w, fixture_orders):
    rows = kpis.report(WorkOrder.objects.all(), DAY.date(), DAY.date(), "office")
    office, total = rows[0], rows[-1]
    assert office["label"] == str(w.office) and total["label"] == "All"
    assert office["received"] == 6
    assert office["timely_dispatch"] == Decimal("60.0")  # 3 of 5 on time: one repair at 5 min, the complaint at 10
    assert office["timely_repair"] == Decimal("75.0")  # 3 of 4 repairs by the promised time
    assert office["return_visit"] == Decimal("40.0")  # 2 of 5 finished orders visited
    assert office["complaint_handling"] == Decimal("50.0")  # 1 of 2 complaints
    assert office["valid_complaint"] == Decimal("16.7")  # 1 valid complaint of 6 requests
    assert office["satisfaction"] == Decimal("66.7")  # rated 5 and 3, visited satisfied: 2 of 3
    assert office["avg_dispatch_min"] == Decimal("4.0")  # (2 + 2 + 5 + 1 + 10) / 5
    assert office["avg_arrive_min"] == Decimal("25.0")
    assert office["avg_finish_hours"] == Decimal("15.8")  # (2 + 4 + 72 + 1 + 1/6) / 5


def test_kpis_per_technician_split_the_repairs(w, fixture_orders):
    rows = {row["label"]: row for row in kpis.report(WorkOrder.objects.all(), DAY.date(), DAY.date(), "technician")}
    assert rows["Tech Tang"]["received"] == 3 and rows["Tech Tang"]["timely_repair"] == Decimal("100.0")
    assert rows["Tech Tian"]["timely_repair"] == Decimal("0.0")
    assert rows["No technician"]["received"] == 2


def test_the_kpi_report_shows_and_exports_csv(client, w, fixture_orders):
    client.force_login(w.manager)
    url = reverse("workorders_board:kpis") + "?from=2030-06-10&to=2030-06-10&by=category"
    page = client.get(url)
    assert page.status_code == 200 and "Plumbing" in page.content.decode()
    csv = client.get(url + "&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Group,Received,Timely dispatch")
    assert any(line.startswith("Plumbing,4,") for line in lines)
    client.force_login(w.other_manager)
    assert "Plumbing" not in client.get(url).content.decode()

"""The leadership report through HTTP: who sees it, the drill-down and its scoping, downloads, the period."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.reports.leadership_fixture import build

pytestmark = pytest.mark.django_db

D = Decimal
Q1 = {"period": "quarter", "quarter": "2025-Q1"}


@pytest.fixture
def world(site, other_site, company):
    return build(site, other_site, company)


def url(name="index", pk=None, **params):
    from urllib.parse import urlencode

    path = reverse(f"reports_leadership:{name}", args=[pk] if pk else [])
    return path + (f"?{urlencode(params)}" if params else "")


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def read_xlsx(response):
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [["" if v is None else v for v in row] for row in book.active.iter_rows(values_only=True)]


def test_other_roles_are_refused_and_do_not_see_the_menu(client, rf, world):
    from commerce.reports.wagtail_hooks import LeadershipMenuItem

    item = LeadershipMenuItem("Leadership report", url("index"))

    def shown(user):
        request = rf.get("/backoffice/")
        request.user = user
        return item.is_shown(request)

    for user in (world.clerk, world.technician):
        client.force_login(user)
        response = client.get(url(**Q1))
        assert response.status_code == 403 and "for office managers and headquarters" in response.content.decode()
        assert client.get(url("office", world.site.office.pk, **Q1)).status_code == 403
        assert client.get(url("office", world.site.office.pk, format="csv", **Q1)).status_code == 403
        assert not shown(user)
    assert shown(world.manager) and shown(world.hq)


def test_headquarters_see_every_office_and_the_company_total(client, world, django_assert_max_num_queries):
    client.force_login(world.hq)
    client.get(url(**Q1))  # warm the per-process caches (menus, content types)
    with django_assert_max_num_queries(40):
        response = client.get(url(**Q1))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Company total" in page
    assert url("office", world.site.office.pk, **Q1).replace("&", "&amp;") in page
    assert url("office", world.other_site.office.pk, **Q1).replace("&", "&amp;") in page
    assert "¥800.00" in page and "¥450.00" in page and "56.25%" in page
    assert 'id="lead-charts"' in page and "chart.umd.min.js" in page


def test_a_manager_lands_on_their_office_and_cannot_reach_another(client, world):
    client.force_login(world.manager)
    response = client.get(url(**Q1))
    assert response.status_code == 302 and response["Location"] == url("office", world.site.office.pk, **Q1)
    page = client.get(url("office", world.site.office.pk, **Q1)).content.decode()
    assert "Garden a" in page and "Garden b" not in page and "¥600.00" in page and "Company total" not in page
    other = world.other_site
    assert client.get(url("office", other.office.pk, **Q1)).status_code == 404
    assert client.get(url("community", other.community.pk, **Q1)).status_code == 404
    assert client.get(url("building", other.building.pk, **Q1)).status_code == 404
    assert client.get(url("office", other.office.pk, format="csv", **Q1)).status_code == 404
    assert client.get(url("office", 999999, **Q1)).status_code == 404


def test_the_drill_down_goes_office_community_building_and_back_up(client, world):
    client.force_login(world.hq)
    site = world.site
    office_page = client.get(url("office", site.office.pk, **Q1)).content.decode()
    assert url("community", site.community.pk, **Q1).replace("&", "&amp;") in office_page
    assert url(**Q1).replace("&", "&amp;") in office_page  # the trail back to the company
    community_page = client.get(url("community", site.community.pk, **Q1)).content.decode()
    for building in (site.building, world.building5):
        assert url("building", building.pk, **Q1).replace("&", "&amp;") in community_page
    assert url("office", site.office.pk, **Q1).replace("&", "&amp;") in community_page
    assert "62.50%" in community_page and "¥400.00" in community_page  # building 3
    building_page = client.get(url("building", world.building5.pk, **Q1)).content.decode()
    assert url("community", site.community.pk, **Q1).replace("&", "&amp;") in building_page
    assert "¥200.00" in building_page and "Clubhouse facilities belong to the community" in building_page


def test_the_csv_holds_every_table_of_the_level(client, world):
    client.force_login(world.hq)
    response = client.get(url("office", world.site.office.pk, format="csv", **Q1))
    assert response["Content-Disposition"] == 'attachment; filename="leadership-office-a-2025q1.csv"'
    rows = read_csv(response)
    titles = [row[0] for row in rows if len(row) == 1]
    assert titles == [
        "Fees by community",
        "Fees by charge item",
        "Collection rate, last 12 months",
        "Arrears by age, today",
        "Work orders by community",
        "Work orders by kind and category",
        "Clubhouse utilisation",
        "Services and marketplace by community",
    ]
    fees = rows[rows.index(["Fees by community"]) + 1 : rows.index(["Fees by community"]) + 4]
    assert fees[0][:5] == ["Community", "Receivable", "Collected", "Outstanding", "Collection rate %"]
    assert fees[1][:5] == ["Garden a", "600.00", "250.00", "350.00", "41.67"]
    assert fees[2][:5] == ["Total", "600.00", "250.00", "350.00", "41.67"]
    start = rows.index(["Work orders by community"])
    assert rows[start + 2][:5] == ["Garden a", "4", "66.67", "2", "50.00"]
    sales = rows[rows.index(["Services and marketplace by community"]) + 2]
    assert sales == ["Garden a", "2", "220.00", "2", "150.00", "370.00", "8.00"]
    club = rows[rows.index(["Clubhouse utilisation"]) + 2]
    assert club == ["Garden a", "Function room", "37.00", "1.50", "4.05"]


def test_one_table_as_xlsx(client, world):
    client.force_login(world.hq)
    response = client.get(url("community", world.site.community.pk, format="xlsx", table="fees", **Q1))
    assert response["Content-Disposition"].endswith('filename="leadership-garden-a-2025q1-fees.xlsx"')
    rows = read_xlsx(response)
    assert rows[0][:5] == ["Building", "Receivable", "Collected", "Outstanding", "Collection rate %"]
    assert rows[1][:5] == ["3", D("400"), D("250"), D("150"), D("62.5")]
    assert rows[2][:5] == ["5", D("200"), D("0"), D("200"), D("0")]
    assert rows[3][:5] == ["Total", D("600"), D("250"), D("350"), pytest.approx(41.67)]
    assert client.get(url("community", world.site.community.pk, format="xlsx", table="nope", **Q1)).status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "month", "month": "2025-13"}, "Enter a month such as 2026-01."),
        ({"period": "month", "month": ""}, "Choose the month."),
        ({"period": "quarter", "quarter": "1999-Q1"}, "Choose one of the quarters in the list."),
        ({"period": "year", "year": "1800"}, "Choose one of the years in the list."),
        ({"period": "custom", "date_from": "2025-02-01", "date_to": ""}, "Enter the first and the last day"),
        ({"period": "custom", "date_from": "2025-02-01", "date_to": "2025-01-01"}, "The last day is before the first."),
        ({"period": "custom", "date_from": "2024-01-01", "date_to": "2025-06-30"}, "Choose at most 366 days"),
        ({"period": "custom", "date_from": "2999-01-01", "date_to": "2999-01-02"}, "This period has not begun yet"),
        ({"period": "weekly"}, "Select a valid choice"),
    ],
)
def test_a_bad_period_says_what_is_wrong_and_shows_no_figures(client, world, params, message):
    client.force_login(world.hq)
    response = client.get(url(**params))
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page and 'id="lead-charts"' not in page
    assert client.get(url(format="csv", **params)).status_code == 200  # the form again, not a file
    assert "attachment" not in client.get(url(format="csv", **params)).get("Content-Disposition", "")


def test_every_period_kind_is_accepted(client, world):
    client.force_login(world.hq)
    for params, label in (
        ({"period": "month", "month": "2025-02"}, "2025-02"),
        ({"period": "year", "year": "2025"}, "2025 (2025-01-01 to 2025-12-31)"),
        ({"period": "custom", "date_from": "2025-01-15", "date_to": "2025-02-14"}, "2025-01-15 – 2025-02-14"),
        (Q1, "2025 Q1"),
    ):
        page = client.get(url(**params)).content.decode()
        assert f"Period: {label}" in page
    assert client.get(url()).status_code == 200  # the defaults: this month

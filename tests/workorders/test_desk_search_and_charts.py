"""The desk's searchable household picker (office-scoped autocomplete) and the KPI charts' data."""

import json

import pytest
from django.urls import reverse

from portal.workorders import kpis
from portal.workorders.models import WorkOrder

from .test_kpis import fixture_orders  # noqa: F401 - the KPI fixture with known answers

pytestmark = pytest.mark.django_db


def found(client, q):
    response = client.get(reverse("workorders_board:units"), {"q": q})
    assert response.status_code == 200
    return response.json()["results"]


def test_the_desk_finds_a_household_by_building_and_unit_or_an_owners_phone_tail(client, w):
    client.force_login(w.desk)
    for query in ("3-1201", "3 1201", "3栋1201", "3号楼 1201", "3号楼-1201", "1201"):
        assert [r["id"] for r in found(client, query)] == [w.unit.pk], query
    by_phone = found(client, "0001")  # Resident Ruan's phone ends in 0001 (the housekeeper's too, but staff don't own)
    assert [r["id"] for r in by_phone] == [w.unit.pk]
    assert "Resident Ruan" in by_phone[0]["hint"] and "0001" in by_phone[0]["hint"]
    assert {r["id"] for r in found(client, "12")} == {w.unit.pk, w.neighbour_unit.pk}
    assert found(client, "") == [] and found(client, "9-9999") == []


def test_the_search_never_shows_another_offices_households(client, w):
    client.force_login(w.desk)
    assert found(client, "0901") == [], "unit 0901 belongs to the other office"
    client.force_login(w.other_manager)
    assert [r["id"] for r in found(client, "3-0901")] == [w.other_unit.pk]
    assert found(client, "1201") == []


def test_residents_and_technicians_cannot_use_the_search(client, w):
    client.force_login(w.tech)
    assert client.get(reverse("workorders_board:units"), {"q": "1201"}).status_code in (302, 403)
    client.force_login(w.resident)
    assert client.get(reverse("workorders_board:units"), {"q": "1201"}).status_code in (302, 403)


def desk_post(client, **extra):
    data = {
        "channel": "phone",
        "unit": "",
        "kind": "repair",
        "area": "home",
        "category": "electrical",
        "description": "No power in the bedroom.",
        **extra,
    }
    return client.post(reverse("workorders_board:new"), data)


def test_the_desk_form_renders_the_search_box_and_resolves_typed_text_without_scripts(client, w):
    client.force_login(w.desk)
    page = client.get(reverse("workorders_board:new")).content.decode()
    assert "data-unit-picker" in page and "workorders/unit_picker.js" in page
    assert reverse("workorders_board:units") in page

    ambiguous = desk_post(client, unit_search="12")
    assert ambiguous.status_code == 422 and "Several households match" in ambiguous.content.decode()
    elsewhere = desk_post(client, unit_search="3-0901")
    assert elsewhere.status_code == 422 and "No household of your office matches" in elsewhere.content.decode()
    assert not WorkOrder.objects.exists()

    assert desk_post(client, unit_search="3-1201").status_code == 302
    assert WorkOrder.objects.get().unit == w.unit
    assert desk_post(client, unit=w.other_unit.pk).status_code == 422, "a picked id is checked against the office too"


def test_the_kpi_page_draws_charts_from_the_same_figures_as_the_table(client, w, fixture_orders):  # noqa: F811
    client.force_login(w.manager)
    page = client.get(reverse("workorders_board:kpis") + "?from=2030-06-10&to=2030-06-10&by=technician")
    html = page.content.decode()
    assert "frontend/vendor/chart.umd.min.js" in html and "workorders/kpi_charts.js" in html
    assert "<table" in html, "the accessible table stays"
    start = html.index('id="kpi-chart-data"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])

    rows = page.context["rows"]
    assert data["labels"] == [row["label"] for row in rows if not row["is_total"]]
    tang, tian = data["labels"].index("Tech Tang"), data["labels"].index("Tech Tian")
    rates = {series["key"]: series["values"] for series in data["rates"]}
    # Tech Tang finished three repairs on time, Tech Tian one of one late (see the KPI fixture).
    assert (rates["timely_repair"][tang], rates["timely_repair"][tian]) == ("100.0", "0.0")
    for series in data["rates"]:
        assert series["values"] == [
            None if row.get(series["key"]) is None else str(row[series["key"]])
            for row in kpis.report(
                WorkOrder.objects.filter(office=w.office),
                page.context["start"],
                page.context["end"],
                "technician",
            )
            if row["key"] != "all"
        ]
    assert set(rates) == set(kpis.CHART_RATES)
    assert {series["key"] for series in data["times"]} == {"avg_dispatch_min", "avg_arrive_min"}

"""Importing readings: all or nothing, every bad row listed, Chinese headers, abnormal rows held."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.meters.importers import import_readings
from commerce.meters.models import MeterReading
from portal.properties.tabular import ImportRefused
from tests.properties.uploads import csv_file, xlsx_file

from .conftest import meter, reading

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = timezone.localdate()  # the services count days in the portal's time zone, not the machine's
A, B = (TODAY - datetime.timedelta(days=40)).isoformat(), (TODAY - datetime.timedelta(days=10)).isoformat()


@pytest.fixture
def meters(site, water, units):
    made = [meter(site.office, water, f"W-{u.number}", unit=u) for u in units]
    for m in made:
        reading(m, TODAY - datetime.timedelta(days=70), "100")
    return made


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_bad_row(site, meters, clerk):
    upload = csv_file(
        [
            ["Meter code", "Reading date", "Reading"],
            ["W-1101", A, "110"],
            ["W-9999", A, "1"],
            ["W-1102", "31/01/2026", "1"],
            ["W-1103", A, "twelve"],
            ["W-1101", A, "111"],
            ["W-1102", (TODAY + datetime.timedelta(days=1)).isoformat(), "120"],
        ]
    )

    with pytest.raises(ImportRefused) as refused:
        import_readings(clerk, site.office, upload)

    problems = [(e.line, e.message) for e in refused.value.errors]
    assert problems == [
        (3, "Unknown meter “W-9999” in Office a."),
        (4, "“31/01/2026” is not a date; write it like 2026-01-31."),
        (5, "“twelve” is not a number."),
        (6, f"Meter W-1101 is also read on {A} on line 2."),
        (7, f"The reading date {(TODAY + datetime.timedelta(days=1)).isoformat()} is in the future."),
    ]
    assert MeterReading.objects.count() == 3  # only the three baselines


@pytest.mark.parametrize("make", [csv_file, xlsx_file])
def test_chinese_headers_and_lower_readings_are_imported_held(site, meters, clerk, make):
    name = "readings.csv" if make is csv_file else "readings.xlsx"
    upload = make(
        [
            ["表号", "抄表日期", "读数"],
            ["w-1101", A, "110.5"],
            ["W-1101", B, "120"],
            ["W-1102", A, "90"],
            ["W-1102", B, "95"],
        ],
        name=name,
    )

    result = import_readings(clerk, site.office, upload)

    assert result.created == 4
    assert [(h.line, h.meter) for h in result.held] == [(4, "W-1102"), (5, "W-1102")]
    assert "Lower than the previous reading (100" in result.held[0].reason
    assert result.held[1].reason == "Follows the held reading on line 4."
    rows = MeterReading.objects.filter(source="import").order_by("meter__code", "date")
    assert [(r.meter.code, r.value, r.usage, r.status, r.entered_by) for r in rows] == [
        ("W-1101", D("110.5"), D("10.5"), "accepted", clerk),
        ("W-1101", D("120"), D("9.5"), "accepted", clerk),
        ("W-1102", D("90"), D("-10"), "held", clerk),
        ("W-1102", D("95"), D("5"), "held", clerk),
    ]


def test_another_offices_meter_is_unknown(site, other_site, meters, clerk, water):
    from tests.billing.conftest import make_item

    far_water = make_item(other_site.office, "metered", code="water", price="3")
    meter(other_site.office, far_water, "FAR-1", unit=None, kind="shared")
    upload = csv_file([["Meter code", "Reading date", "Reading"], ["FAR-1", A, "1"]])

    with pytest.raises(ImportRefused, match="Unknown meter"):
        import_readings(clerk, site.office, upload)


def test_the_import_screen_lists_bad_rows_and_held_rows(client, site, meters, clerk):
    client.force_login(clerk)
    url = reverse("meters_readings:import")
    bad = csv_file([["Meter code", "Reading date", "Reading"], ["NOPE", A, "1"]])

    response = client.post(url, {"office": site.office.pk, "file": bad})

    assert response.status_code == 422
    assert "Unknown meter “NOPE”" in response.content.decode()
    good = csv_file([["Meter code", "Reading date", "Reading"], ["W-1101", A, "50"]])
    response = client.post(url, {"office": site.office.pk, "file": good}, follow=True)
    page = response.content.decode()
    assert "Imported 1 readings." in page and "1 of them are held for confirmation" in page
    assert response.redirect_chain[-1][0] == reverse("meters_readings:held")

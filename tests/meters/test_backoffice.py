"""The meter screens: office-scoped, for billing clerks and office managers; held readings decided over HTTP."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.meters import services
from commerce.meters.models import Meter

from .conftest import meter, reading

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # the services count days in the portal's time zone, not the machine's


@pytest.fixture
def held(site, water, units, clerk):
    m = meter(site.office, water, "W-1101", unit=units[0])
    reading(m, TODAY - datetime.timedelta(days=60), "100")
    return services.record_reading(m, TODAY - datetime.timedelta(days=30), "90", clerk)


SCREENS = ["meters_readings:index", "meters_readings:new", "meters_readings:import", "meters_readings:held",
           "meters_apportionment", "meters_meter:index", "meters_meter:add"]  # fmt: skip


@pytest.mark.parametrize("name", SCREENS)
def test_billing_staff_open_every_screen_and_a_technician_is_refused(client, clerk, technician, name):
    client.force_login(clerk)
    assert client.get(reverse(name)).status_code == 200
    client.force_login(technician)
    assert client.get(reverse(name)).status_code in (302, 403)


def test_the_held_queue_shows_the_reason_and_confirms(client, clerk, held):
    client.force_login(clerk)
    page = client.get(reverse("meters_readings:held")).content.decode()
    assert "W-1101" in page and "Lower than the previous reading (100" in page

    client.post(reverse("meters_readings:decide", args=[held.pk]), {"confirm": "1"})

    held.refresh_from_db()
    assert held.status == "confirmed" and held.decided_by == clerk


def test_rejecting_without_a_reason_changes_nothing(client, clerk, held):
    client.force_login(clerk)
    response = client.post(
        reverse("meters_readings:decide", args=[held.pk]), {"reject": "1", "reason": ""}, follow=True
    )

    assert "Give a reason for rejecting the reading." in response.content.decode()
    held.refresh_from_db()
    assert held.status == "held"


def test_staff_of_another_office_neither_see_nor_decide_the_reading(client, other_clerk, held):
    client.force_login(other_clerk)
    assert "W-1101" not in client.get(reverse("meters_readings:held")).content.decode()
    assert client.post(reverse("meters_readings:decide", args=[held.pk]), {"confirm": "1"}).status_code == 404
    held.refresh_from_db()
    assert held.status == "held"


def test_a_reading_entered_by_hand(client, clerk, site, water, units):
    m = meter(site.office, water, "W-1101", unit=units[0])
    client.force_login(clerk)
    day = TODAY.isoformat()

    response = client.post(
        reverse("meters_readings:new"), {"office": site.office.pk, "meter": "w-1101", "date": day, "value": "12.5"}
    )

    assert response.status_code == 302
    assert m.readings.get().value == 12.5
    response = client.post(
        reverse("meters_readings:new"), {"office": site.office.pk, "meter": "W-1101", "date": day, "value": "13"}
    )
    assert "already has a reading on" in response.content.decode()


def test_a_meter_is_created_with_a_scoped_form(client, clerk, site, water, units, other_site):
    client.force_login(clerk)
    data = {"office": site.office.pk, "code": "W-9", "kind": "unit", "charge_item": water.pk, "unit": units[0].pk,
            "apportion_by": "area", "multiplier": "1", "active": "on"}  # fmt: skip

    response = client.post(reverse("meters_meter:add"), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Meter.objects.get(code="W-9").unit == units[0]
    data.update(code="W-10", office=other_site.office.pk)
    assert client.post(reverse("meters_meter:add"), data).status_code == 200  # another office: not a choice
    assert not Meter.objects.filter(code="W-10").exists()


def test_the_apportionment_screen_shows_and_saves_the_calculation(client, clerk, shared):
    master, subs = shared
    last = TODAY.replace(day=1) - datetime.timedelta(days=1)
    before = last.replace(day=1) - datetime.timedelta(days=1)
    reading(master, before, "1000")
    reading(master, last, "1070")
    for m, (a, b) in zip(subs, [("100", "110"), ("200", "220"), ("300", "330")], strict=True):
        reading(m, before, a)
        reading(m, last, b)
    client.force_login(clerk)
    month = f"{last:%Y-%m}"

    page = client.get(reverse("meters_apportionment"), {"meter": master.pk, "month": month}).content.decode()
    assert "Loss (公摊量)" in page and "<strong>10 m³</strong>" in page

    client.post(reverse("meters_apportionment"), {"meter": master.pk, "month": month})
    assert master.apportionments.get().loss == 10

"""The meter settings screen: office managers and billing clerks set N for their own office only."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commerce.meters import services
from commerce.meters.models import MeterSettings

from .conftest import meter, reading

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = timezone.localdate()  # the services count days in the portal's time zone, not the machine's


def test_the_list_shows_the_defaults_of_an_office_without_settings(client, clerk):
    client.force_login(clerk)

    page = client.get(reverse("meters_settings:index")).content.decode()

    assert "Office a" in page and "3× " in page and "Office b" not in page


def test_a_manager_sets_the_factor_and_new_readings_follow_it(client, site, water, units, manager):
    client.force_login(manager)
    url = reverse("meters_settings:edit", args=[site.office.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"abnormal_factor": "1.5", "average_over": "3"}, follow=True)

    assert "Meter settings of Office a saved." in response.content.decode()
    row = MeterSettings.objects.get(office=site.office)
    assert (row.abnormal_factor, row.average_over, row.updated_by) == (D("1.5"), 3, manager)
    m = meter(site.office, water, "W-1101", unit=units[0])
    reading(m, TODAY - datetime.timedelta(days=90), "100")
    reading(m, TODAY - datetime.timedelta(days=60), "110", previous="100")
    reading(m, TODAY - datetime.timedelta(days=30), "120", previous="110")
    held = services.record_reading(m, TODAY, "140", manager)  # 20 in 30 days > 1.5 × 10
    assert held.status == "held" and "1.5×" in held.flag_reason


@pytest.mark.parametrize(
    ("factor", "average", "message"),
    [("1", "6", "greater than or equal to 1.01"), ("3", "30", "less than or equal to 24")],
)
def test_a_bad_setting_is_refused_and_nothing_saved(client, site, clerk, factor, average, message):
    client.force_login(clerk)

    response = client.post(
        reverse("meters_settings:edit", args=[site.office.pk]), {"abnormal_factor": factor, "average_over": average}
    )

    assert response.status_code == 200 and message in response.content.decode()
    assert not MeterSettings.objects.exists()


def test_staff_of_another_office_and_technicians_cannot_open_or_change_the_settings(
    client, site, other_clerk, technician
):
    url = reverse("meters_settings:edit", args=[site.office.pk])
    client.force_login(other_clerk)
    assert client.get(url).status_code == 404
    assert client.post(url, {"abnormal_factor": "5", "average_over": "6"}).status_code == 404
    client.force_login(technician)
    assert client.get(url).status_code in (302, 403)
    assert client.get(reverse("meters_settings:index")).status_code in (302, 403)
    assert not MeterSettings.objects.exists()

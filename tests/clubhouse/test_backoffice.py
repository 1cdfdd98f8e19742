"""Back-office screens: office managers configure facilities and read reports for their own offices only."""

from decimal import Decimal

import pytest
from django.urls import reverse

from portal.clubhouse import services
from portal.clubhouse.models import Facility

from .conftest import at, make_facility

pytestmark = pytest.mark.django_db


def test_a_manager_creates_a_facility_with_opening_hours(client, manager, site):
    client.force_login(manager)
    data = {
        "community": site.community.pk,
        "name": "Pool",
        "kind": "pool",
        "location": "",
        "description": "",
        "slot_minutes": "60",
        "capacity": "20",
        "price": "10.00",
        "deposit": "0",
        "horizon_days": "7",
        "weekly_limit": "3",
        "cancel_hours": "12",
        "late_refund_percent": "50",
        "rules_text": "",
        "active": "on",
        "hours-TOTAL_FORMS": "1",
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "1000",
        "hours-0-weekday": "5",
        "hours-0-opens": "09:00",
        "hours-0-closes": "18:00",
        "hours-0-ORDER": "1",
        "hours-0-id": "",
        "hours-0-DELETE": "",
    }
    response = client.post(reverse("clubhouse_facility:add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    pool = Facility.objects.get(name="Pool")
    assert pool.price == Decimal("10.00") and pool.hours.get().weekday == 5


def test_facility_lists_are_scoped_to_the_managers_office(client, manager, site, other_site):
    make_facility(site.community, name="Our gym")
    make_facility(other_site.community, name="Their gym")
    client.force_login(manager)
    html = client.get(reverse("clubhouse_facility:index")).content.decode()
    assert "Our gym" in html and "Their gym" not in html


def test_the_utilisation_report_shows_occupancy_per_hour_with_a_chart(client, manager, resident, unit, gym):
    services.book(resident, unit, gym, at(1, 10), 5)
    day = at(1, 10).date().isoformat()
    client.force_login(manager)

    response = client.get(reverse("clubhouse_utilisation"), {"start": day, "end": day})

    html = response.content.decode()
    assert response.status_code == 200 and "<svg" in html and "Gym" in html
    rows = services.utilisation(manager, at(1, 10).date(), at(1, 10).date())
    assert rows[0].hours[10] == (5, 5) and rows[0].hours[11] == (5, 0) and rows[0].percent == 7  # 5 of 70 places


def test_a_front_desk_clerk_uses_the_desk_but_not_the_payout_report(client, desk):
    client.force_login(desk)
    assert client.get(reverse("clubhouse_desk")).status_code == 200
    assert client.get(reverse("clubhouse_payout")).status_code in (302, 403)


def test_a_manager_reads_the_payout_report(client, manager):
    client.force_login(manager)
    assert client.get(reverse("clubhouse_payout")).status_code == 200

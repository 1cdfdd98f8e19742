"""The resident's own page: their homes, their housekeeper, their notices; nobody else's."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.people.models import JoinRequest, StaffRole
from tests.factories import ResidentMembershipFactory, StaffMembershipFactory, UnitFactory, UserFactory

from .conftest import publish_news, publish_notice

pytestmark = pytest.mark.django_db


def test_a_resident_sees_their_home_and_can_call_their_housekeeper(world, client):
    client.force_login(world.resident)

    response = client.get("/my/")

    assert response.status_code == 200
    page = response.text
    assert "Hello, Li Ming" in page
    assert "Green Court" in page and "3-1201" in page
    assert "89.50 m²" in page
    assert "Owner" in page
    assert "Wang Fang" in page
    assert 'href="tel:+8613812345678"' in page
    assert "138 1234 5678" in page


def test_a_resident_does_not_see_a_neighbours_home(world, client):
    client.force_login(world.resident)

    page = client.get("/my/").text

    assert "0302" not in page
    assert "2801" not in page and "River Park" not in page


def test_a_unit_without_housekeeper_shows_the_office_phone(world, client):
    office = world.community.office
    client.force_login(world.building_neighbour)

    page = client.get("/my/").text

    assert office.name in page
    assert f'href="tel:{office.phone.replace("-", "")}"' in page


def test_every_household_of_the_resident_is_listed_with_its_role(world, client):
    ResidentMembershipFactory(
        user=world.resident, unit__building=world.other_building, unit__number="0808", role="tenant"
    )
    client.force_login(world.resident)

    page = client.get("/my/").text

    assert "3-1201" in page and "5-0808" in page
    assert "Tenant" in page and "Owner" in page
    assert "Join another household" in page


def test_the_home_lists_current_notices_with_pinned_and_urgent_styles(world, client):
    publish_notice("Water cut", world.community, buildings=[world.building], urgency="urgent")
    publish_notice("Fire drill", world.community, pinned=True)
    publish_notice("Not for building 3", world.community, buildings=[world.other_building])
    publish_notice("River Park only", world.other_community)
    client.force_login(world.resident)

    page = client.get("/my/").text

    assert page.index("Fire drill") < page.index("Water cut")
    assert "notice--urgent" in page and "notice--pinned" in page
    assert "Not for building 3" not in page
    assert "River Park only" not in page


def test_a_person_without_household_is_told_how_to_join(home, client):
    client.force_login(UserFactory(full_name="New Person"))

    response = client.get("/my/")

    assert response.status_code == 200
    assert "Your account is not linked to a home yet" in response.text
    assert "invitation code" in response.text
    assert 'href="/join/"' in response.text


def test_a_pending_join_request_is_shown(world, client):
    person = UserFactory()
    JoinRequest.objects.create(user=person, unit=world.unit, role="tenant")
    client.force_login(person)

    page = client.get("/my/").text

    assert "is waiting for the management office" in page


def test_staff_see_a_link_to_the_back_office_and_residents_do_not(world, client):
    staff = StaffMembershipFactory(office=world.community.office, role=StaffRole.FRONT_DESK).user

    client.force_login(staff)
    assert 'href="/backoffice/"' in client.get("/my/").text
    client.force_login(world.resident)
    assert 'href="/backoffice/"' not in client.get("/my/").text


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/my/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_home_page_query_count_does_not_grow_with_units_and_notices(world, client, django_assert_max_num_queries):
    publish_notice("First", world.community)
    publish_news("Public news")
    client.force_login(world.resident)
    client.get("/my/")  # warm per-process caches (content types, site root paths)
    small = _count_queries(client, "/my/")

    for n in range(4):
        unit = UnitFactory(building=world.other_building, number=f"90{n}")
        ResidentMembershipFactory(user=world.resident, unit=unit, role="family")
    now = timezone.now()
    for n in range(6):
        publish_notice(
            f"Notice {n}",
            world.community,
            buildings=[world.building, world.other_building],
            pinned=n % 2 == 0,
            expires_at=now + timedelta(days=n + 1),
        )
    for n in range(3):
        publish_news(f"News {n}", community=world.community)
    large = _count_queries(client, "/my/")

    assert large == small
    # Session, user, memberships, join requests, notices (+ buildings), staff roles, site sections (2 + site),
    # and the header's unread-notification count.
    with django_assert_max_num_queries(11):
        client.get("/my/")

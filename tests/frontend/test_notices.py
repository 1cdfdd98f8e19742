"""Notices reach exactly the residents they address: their community, or only the buildings named."""

from datetime import timedelta

import pytest
from django.utils import timezone

from frontend.notices import current_notices_for
from portal.people.models import StaffRole
from tests.factories import ResidentMembershipFactory, StaffMembershipFactory

from .conftest import publish_notice

pytestmark = pytest.mark.django_db


def titles(user):
    return [n.title for n in current_notices_for(user)]


def test_a_community_wide_notice_reaches_every_resident_of_the_community_and_nobody_else(world):
    publish_notice("Fire drill on Saturday", world.community)

    assert titles(world.resident) == ["Fire drill on Saturday"]
    assert titles(world.building_neighbour) == ["Fire drill on Saturday"]
    assert titles(world.outsider) == []


def test_a_building_notice_reaches_only_residents_of_that_building(world):
    publish_notice("Water cut in building 3", world.community, buildings=[world.building])

    assert titles(world.resident) == ["Water cut in building 3"]
    assert titles(world.building_neighbour) == []
    assert titles(world.outsider) == []


def test_a_notice_for_several_buildings_is_listed_once(world):
    ResidentMembershipFactory(user=world.resident, unit__building=world.other_building)
    publish_notice("Lift inspection", world.community, buildings=[world.building, world.other_building])

    assert titles(world.resident) == ["Lift inspection"]


def test_expired_notices_are_hidden_and_future_expiry_is_shown(world):
    now = timezone.now()
    publish_notice("Old holiday hours", world.community, expires_at=now - timedelta(minutes=1))
    publish_notice("Meeting tomorrow", world.community, expires_at=now + timedelta(days=1))

    assert titles(world.resident) == ["Meeting tomorrow"]


def test_unpublished_notices_are_hidden(world):
    notice = publish_notice("Draft", world.community)
    notice.unpublish()

    assert titles(world.resident) == []


def test_pinned_notices_come_first_then_the_newest(world):
    now = timezone.now()
    publish_notice("Oldest", world.community, published_at=now - timedelta(days=3))
    publish_notice("Pinned but old", world.community, pinned=True, published_at=now - timedelta(days=9))
    publish_notice("Newest", world.community, published_at=now - timedelta(hours=1))

    assert titles(world.resident) == ["Pinned but old", "Newest", "Oldest"]


def test_a_resident_who_moved_out_no_longer_sees_notices(world):
    publish_notice("Fire drill", world.community)
    membership = world.resident.memberships.get()
    membership.end_date = timezone.localdate()
    membership.save()

    assert titles(world.resident) == []


def test_anonymous_visitors_get_no_notices(world, client):
    from django.contrib.auth.models import AnonymousUser

    publish_notice("Fire drill", world.community)
    assert list(current_notices_for(AnonymousUser())) == []


class TestNoticeBoard:
    def test_the_board_lists_the_residents_notices_and_not_other_communities(self, world, client, home):
        publish_notice("Water cut in building 3", world.community, buildings=[world.building], urgency="urgent")
        publish_notice("Car park works at River Park", world.other_community)
        client.force_login(world.resident)

        response = client.get("/notices/")

        assert response.status_code == 200
        assert "Water cut in building 3" in response.text
        assert "notice--urgent" in response.text
        assert "Car park works at River Park" not in response.text

    def test_staff_see_every_current_notice_of_their_offices_only(self, world, client):
        publish_notice("Water cut in building 3", world.community, buildings=[world.building])
        publish_notice("Car park works at River Park", world.other_community)
        staff = StaffMembershipFactory(office=world.community.office, role=StaffRole.FRONT_DESK).user
        client.force_login(staff)

        page = client.get("/notices/").text

        assert "Water cut in building 3" in page
        assert "Car park works at River Park" not in page

    def test_a_platform_administrator_sees_every_notice(self, world, client):
        from tests.factories import UserFactory

        publish_notice("Water cut in building 3", world.community, buildings=[world.building])
        publish_notice("Car park works at River Park", world.other_community)
        client.force_login(UserFactory(is_superuser=True, is_staff=True))

        page = client.get("/notices/").text

        assert "Water cut in building 3" in page and "Car park works at River Park" in page

    def test_anonymous_visitors_are_asked_to_log_in(self, world, client):
        publish_notice("Fire drill", world.community)

        response = client.get("/notices/")

        assert response.status_code == 200
        assert "Fire drill" not in response.text
        assert "/accounts/login/" in response.text


class TestNoticeDetail:
    def test_an_addressed_resident_reads_the_notice(self, world, client):
        notice = publish_notice("Water cut", world.community, buildings=[world.building], body="<p>From 8 to 14.</p>")
        client.force_login(world.resident)

        response = client.get(notice.url)

        assert response.status_code == 200
        assert "From 8 to 14." in response.text
        assert "Green Court · Building 3" in response.text

    def test_a_neighbour_of_another_building_gets_not_found(self, world, client):
        notice = publish_notice("Water cut", world.community, buildings=[world.building])
        client.force_login(world.building_neighbour)

        assert client.get(notice.url).status_code == 404

    def test_a_resident_of_another_community_gets_not_found(self, world, client):
        notice = publish_notice("Water cut", world.community)
        client.force_login(world.outsider)

        assert client.get(notice.url).status_code == 404

    def test_an_anonymous_visitor_is_sent_to_log_in(self, world, client):
        notice = publish_notice("Water cut", world.community)

        response = client.get(notice.url)

        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/?next=")

    def test_an_expired_notice_stays_readable_for_its_residents_with_a_warning(self, world, client):
        notice = publish_notice("Old", world.community, expires_at=timezone.now() - timedelta(days=1))
        client.force_login(world.resident)

        response = client.get(notice.url)

        assert response.status_code == 200
        assert "This notice expired on" in response.text

    def test_staff_of_the_office_read_it_and_staff_of_another_office_do_not(self, world, client):
        notice = publish_notice("Water cut", world.community, buildings=[world.building])
        own = StaffMembershipFactory(office=world.community.office, role=StaffRole.FRONT_DESK).user
        other = StaffMembershipFactory(office=world.other_community.office, role=StaffRole.FRONT_DESK).user

        client.force_login(own)
        assert client.get(notice.url).status_code == 200
        client.force_login(other)
        assert client.get(notice.url).status_code == 404

"""Moving in and out keeps history; the back office lists only one's own offices' residents."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from portal import access
from portal.people import services
from portal.people.models import ResidentMembership
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_move_out_ends_the_membership_and_keeps_the_row_as_history(resident, world):
    membership = ResidentMembership.objects.get(user=resident)
    today = timezone.localdate()

    services.move_out(membership, today)

    membership.refresh_from_db()
    assert membership.end_date == today
    assert ResidentMembership.objects.filter(pk=membership.pk).exists()
    assert not access.resident_units(resident).exists()


def test_a_resident_can_move_back_in_later_and_both_stays_are_kept(office_manager, resident, world):
    membership = ResidentMembership.objects.get(user=resident)
    services.move_out(membership, timezone.localdate() - datetime.timedelta(days=1))

    services.move_in(user=resident, unit=world.north.units[0], role="tenant", by=office_manager)

    stays = ResidentMembership.objects.filter(user=resident, unit=world.north.units[0])
    assert stays.count() == 2
    assert list(access.resident_units(resident)) == [world.north.units[0]]


def test_moving_out_twice_or_before_moving_in_is_refused(resident):
    membership = ResidentMembership.objects.get(user=resident)
    with pytest.raises(services.MembershipError, match="before the move-in date"):
        services.move_out(membership, membership.start_date - datetime.timedelta(days=1))
    services.move_out(membership)
    with pytest.raises(services.MembershipError, match="already moved out"):
        services.move_out(membership)


def test_staff_of_another_office_cannot_move_residents_out(other_office_staff, resident):
    with pytest.raises(PermissionDenied):
        services.move_out(ResidentMembership.objects.get(user=resident), by=other_office_staff)


def test_the_office_manager_records_a_move_out_in_the_back_office(client, office_manager, resident):
    membership = ResidentMembership.objects.get(user=resident)
    client.force_login(office_manager)
    url = reverse("people_residents:move_out", args=[membership.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"end_date": timezone.localdate().isoformat()})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.end_date == timezone.localdate()


def test_the_residents_list_shows_only_ones_own_offices(client, office_manager, resident, world):
    south_resident = AccountFactory(full_name="Zhou Southside")
    ResidentMembership.objects.create(user=south_resident, unit=world.south.units[0], role="owner")
    client.force_login(office_manager)

    page = client.get(reverse("people_residents:index")).content.decode()

    assert "Wang Resident" in page
    assert "Zhou Southside" not in page
    assert reverse("people_residents:move_out", args=[ResidentMembership.objects.get(user=resident).pk]) in page


def test_front_desk_sees_residents_but_cannot_move_them_out(client, front_desk, resident):
    from .conftest import assert_refused

    membership = ResidentMembership.objects.get(user=resident)
    client.force_login(front_desk)

    page = client.get(reverse("people_residents:index")).content.decode()
    assert "Wang Resident" in page
    assert reverse("people_residents:move_out", args=[membership.pk]) not in page
    assert_refused(client.post(reverse("people_residents:move_out", args=[membership.pk]), {"end_date": "2030-01-01"}))
    membership.refresh_from_db()
    assert membership.end_date is None


def test_staff_of_another_office_get_404_for_a_move_out(client, other_office_staff, resident):
    membership = ResidentMembership.objects.get(user=resident)
    client.force_login(other_office_staff)

    url = reverse("people_residents:move_out", args=[membership.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"end_date": timezone.localdate().isoformat()}).status_code == 404
    membership.refresh_from_db()
    assert membership.end_date is None


def test_a_neighbour_sees_nothing_of_the_back_office_residents(client, neighbour):
    from .conftest import assert_refused

    client.force_login(neighbour)
    assert_refused(client.get(reverse("people_residents:index")))

"""A logged-in resident adds another household with a code, or asks the office to be added."""

import pytest
from django.urls import reverse

from portal.people import services
from portal.people.models import JoinRequest, ResidentMembership, ResidentRole
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


def test_a_resident_adds_a_second_household_with_a_new_code(client, resident, world):
    invitation = InvitationFactory(unit=world.south.units[0], role=ResidentRole.TENANT)
    client.force_login(resident)

    response = client.post(
        reverse("join_redeem_code"), {"code-community": world.south.community.pk, "code-code": invitation.code}
    )

    assert response.status_code == 302
    units = set(ResidentMembership.objects.active().filter(user=resident).values_list("unit", flat=True))
    assert units == {world.north.units[0].pk, world.south.units[0].pk}


def test_a_bad_code_on_the_join_page_says_why_and_adds_nothing(client, resident, world):
    invitation = InvitationFactory(unit=world.south.units[0])
    client.force_login(resident)

    response = client.post(
        reverse("join_redeem_code"), {"code-community": world.north.community.pk, "code-code": invitation.code}
    )

    assert response.status_code == 400
    assert "belongs to another community" in response.content.decode()
    assert ResidentMembership.objects.filter(user=resident).count() == 1


def test_a_code_for_a_unit_one_already_belongs_to_is_refused_and_stays_unused(client, resident, world):
    invitation = InvitationFactory(unit=world.north.units[0])
    client.force_login(resident)

    response = client.post(
        reverse("join_redeem_code"), {"code-community": world.north.community.pk, "code-code": invitation.code}
    )

    assert "already belong to this unit" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.used_at is None


def join_request(client, world, number="1502", **extra):
    return client.post(
        reverse("join_request"),
        {
            "req-community": world.north.community.pk,
            "req-building": world.north.building.pk,
            "req-number": number,
            "req-role": "family",
            "req-message": "I live with my parents.",
            **extra,
        },
    )


def test_a_resident_asks_to_join_a_unit_by_community_building_and_number(client, resident, world):
    client.force_login(resident)

    response = join_request(client, world)

    assert response.status_code == 302
    request = JoinRequest.objects.get(user=resident)
    assert (request.unit, request.role, request.status) == (world.north.units[1], "family", "pending")
    assert not ResidentMembership.objects.filter(user=resident, unit=world.north.units[1]).exists()
    assert "Pending" in client.get(reverse("join")).content.decode()


def test_asking_twice_for_the_same_unit_is_refused_politely(client, resident, world):
    client.force_login(resident)
    join_request(client, world)

    response = join_request(client, world)

    assert response.status_code == 400
    assert "already asked to join this unit" in response.content.decode()
    assert JoinRequest.objects.filter(user=resident).count() == 1


def test_an_unknown_unit_number_is_reported_and_nothing_is_filed(client, resident, world):
    client.force_login(resident)

    response = join_request(client, world, number="9999")

    assert response.status_code == 400
    assert "There is no unit “9999” in this building" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_a_building_of_another_community_cannot_be_combined_with_this_one(client, resident, world):
    client.force_login(resident)

    response = join_request(client, world, **{"req-building": world.south.building.pk})

    assert response.status_code == 400
    assert not JoinRequest.objects.exists()


def test_the_building_list_follows_the_chosen_community(client, resident, world):
    client.force_login(resident)

    options = client.get(reverse("join_building_options"), {"req-community": world.south.community.pk})

    assert f'value="{world.south.building.pk}"' in options.content.decode()
    assert f'value="{world.north.building.pk}"' not in options.content.decode()


def test_nobody_can_attach_themselves_to_a_unit_without_a_code_or_approval(client, neighbour, world):
    client.force_login(neighbour)
    join_request(client, world, number="1501")
    assert not services.access.resident_units(neighbour).filter(pk=world.north.units[0].pk).exists()


def test_the_join_page_needs_a_login(client):
    assert client.get(reverse("join")).url.startswith(reverse("account_login"))

"""Back office: issue, list, show and withdraw invitation codes, only for one's own offices."""

import pytest
from django.urls import reverse

from portal.people import services
from portal.people.models import Invitation, ResidentRole
from tests.factories import InvitationFactory

from .conftest import assert_refused

pytestmark = pytest.mark.django_db


def issue(client, world, building=None, number="1502", **extra):
    return client.post(
        reverse("people_invitations:add"),
        {
            "building": (building or world.north.building).pk,
            "number": number,
            "role": "owner",
            "note": "For Mrs Chen",
            "valid_days": 14,
            **extra,
        },
    )


def test_front_desk_issues_a_code_and_sees_a_printable_slip(client, front_desk, world):
    client.force_login(front_desk)

    response = issue(client, world)

    invitation = Invitation.objects.get()
    assert response.url == reverse("people_invitations:detail", args=[invitation.pk])
    assert (invitation.unit, invitation.note) == (world.north.units[1], "For Mrs Chen")
    assert invitation.issued_by == front_desk
    slip = client.get(response.url).content.decode()
    assert services.format_code(invitation.code) in slip
    assert "Print slip" in slip


def test_the_issue_form_offers_only_buildings_of_ones_own_offices(client, front_desk, world):
    client.force_login(front_desk)
    page = client.get(reverse("people_invitations:add")).content.decode()
    assert f'value="{world.north.building.pk}"' in page
    assert f'value="{world.south.building.pk}"' not in page


def test_a_building_of_another_office_is_refused_and_no_code_is_issued(client, front_desk, world):
    client.force_login(front_desk)
    response = issue(client, world, building=world.south.building)
    assert response.status_code == 200
    assert "building" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_an_unknown_unit_number_is_reported(client, front_desk, world):
    client.force_login(front_desk)
    response = issue(client, world, number="404")
    assert "There is no unit “404” in this building" in response.content.decode()


def test_the_list_shows_only_codes_of_ones_own_offices(client, front_desk, world):
    mine = InvitationFactory(unit=world.north.units[0], note="north note")
    theirs = InvitationFactory(unit=world.south.units[0], note="south note")
    client.force_login(front_desk)

    page = client.get(reverse("people_invitations:index")).content.decode()

    assert services.format_code(mine.code) in page
    assert services.format_code(theirs.code) not in page
    assert "south note" not in page


def test_staff_of_another_office_get_404_for_a_codes_slip_and_cannot_withdraw_it(client, other_office_staff, world):
    invitation = InvitationFactory(unit=world.north.units[0])
    client.force_login(other_office_staff)

    assert client.get(reverse("people_invitations:detail", args=[invitation.pk])).status_code == 404
    assert client.post(reverse("people_invitations:revoke", args=[invitation.pk])).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_front_desk_withdraws_a_code_that_was_handed_out_by_mistake(client, front_desk, world):
    invitation = services.issue_invitation(front_desk, world.north.units[0], ResidentRole.OWNER)
    client.force_login(front_desk)

    response = client.post(reverse("people_invitations:revoke", args=[invitation.pk]))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_a_resident_cannot_open_the_back_office_invitations(client, resident, world):
    InvitationFactory(unit=world.north.units[0], note="secret note")
    client.force_login(resident)
    assert_refused(client.get(reverse("people_invitations:index")))
    assert_refused(client.post(reverse("people_invitations:add"), {"building": world.north.building.pk}))
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize("role", ["technician", "billing_clerk"])
def test_technicians_and_billing_clerks_do_not_get_the_invitation_screens(client, make_staff, role):
    client.force_login(make_staff(role))
    assert_refused(client.get(reverse("people_invitations:index")))
    assert_refused(client.get(reverse("people_invitations:add")))


def test_the_invitation_list_does_not_grow_queries_with_rows(client, front_desk, world, django_assert_max_num_queries):
    for _ in range(3):
        InvitationFactory(unit=world.north.units[0], issued_by=front_desk)
    client.force_login(front_desk)
    client.get(reverse("people_invitations:index"))  # warm caches (content types, site)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("people_invitations:index"))
    for _ in range(20):
        InvitationFactory(unit=world.north.units[1], issued_by=front_desk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("people_invitations:index"))

"""Phone numbers are masked for roles that do not call residents back, and residents never see another
resident's phone (policy in docs/security.md; masking in portal/privacy.py)."""

import pytest
from django.urls import reverse

from portal import privacy
from tests.security.world import NEIGHBOUR_PHONE, RESIDENT_PHONE

pytestmark = pytest.mark.django_db

MASKED = "138****8001"


def test_masks_keep_only_what_identifies_a_number_read_back():
    assert privacy.mask_phone("13800138001") == "138****8001"
    assert privacy.mask_phone("+8613800138001") == "138****8001"
    assert privacy.mask_phone("") == ""
    assert privacy.mask_id_number("110101199003071234") == "1101**********1234"


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


STAFF_SCREENS = {
    "unit lookup": lambda w: reverse("properties_unit:inspect", args=[w.unit_a.pk]),
    "work order": lambda w: reverse("workorders_board:detail", args=[w.work_order.pk]),
}


@pytest.mark.parametrize("screen", STAFF_SCREENS)
def test_the_front_desk_and_the_manager_see_the_phone_to_call_back(client, world, screen):
    for user in (world.front_desk_a, world.manager_a):
        assert RESIDENT_PHONE in _page(client, user, STAFF_SCREENS[screen](world)), (screen, user)


@pytest.mark.parametrize("screen", STAFF_SCREENS)
def test_headquarters_see_the_phone_masked(client, world, screen):
    page = _page(client, world.headquarters, STAFF_SCREENS[screen](world))
    assert RESIDENT_PHONE not in page
    assert MASKED in page


def test_the_technician_sees_the_phone_on_their_own_job_only(client, world):
    page = _page(client, world.technician_a, reverse("workorders:job", args=[world.work_order.reference]))
    assert RESIDENT_PHONE in page


RESIDENT_PAGES = {
    "chat": lambda w: reverse("chat:detail", args=[w.conversation_a.pk]),
    "owners' meeting": lambda w: reverse("voting:meeting", args=[w.meeting_a.pk]),
    "ballot": lambda w: reverse("voting:vote", args=[w.meeting_a.pk, w.party_a.pk]),
    "repair request": lambda w: reverse("workorders:detail", args=[w.work_order.reference]),
    "market order": lambda w: reverse("market_order", args=[w.market_order_a.pk]),
    "clubhouse booking": lambda w: reverse("clubhouse:booking", args=[w.booking_a.pk]),
    "my home": lambda w: reverse("resident_home"),
}


@pytest.mark.parametrize("page", RESIDENT_PAGES)
def test_residents_never_see_a_neighbours_phone(client, world, page):
    client.force_login(world.resident)
    response = client.get(RESIDENT_PAGES[page](world))
    assert response.status_code in (200, 302), (page, response.status_code)
    body = response.content.decode()
    assert NEIGHBOUR_PHONE not in body
    assert privacy.mask_phone(NEIGHBOUR_PHONE) not in body


def test_a_vote_receipt_shows_no_name_unit_or_phone(client, world):
    from portal.voting import services as voting
    from portal.voting.models import Ballot
    from tests.factories import DEFAULT_PASSWORD

    motion = world.meeting_a.motions.first()
    token = voting.confirmation_token(world.resident, world.meeting_a)
    voting.cast_ballots(
        world.resident, world.meeting_a, world.party_a, {motion.pk: "for"}, password=DEFAULT_PASSWORD, token=token
    )
    ballot = Ballot.objects.get(motion=motion, party=world.party_a)
    client.force_login(world.neighbour)
    body = client.get(reverse("voting:verify"), {"code": ballot.receipt}).content.decode()
    assert world.meeting_a.title in body
    for private in ("Resident Ruan", "A-1101", RESIDENT_PHONE, privacy.mask_phone(RESIDENT_PHONE)):
        assert private not in body

"""Owners' committee election (业委会选举): up to N selections per owner party, majority of both to qualify."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.voting import services
from portal.voting.models import Ballot, Matter

from .conftest import announce, cast, finish, make_meeting, party_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def election(manager, site, estate):
    meeting = make_meeting(manager, site.community, motions=())
    motion = services.add_motion(manager, meeting, title="Owners' committee 2026", matter=Matter.COMMITTEE, seats=2)
    for name in ("Ann", "Bo", "Cy"):
        services.add_candidate(manager, motion, name=name, profile=f"{name} has lived here 10 years.")
    announce(manager, meeting)
    return meeting, motion


def ids(motion, *names):
    return [motion.candidates.get(name=n).pk for n in names]


def test_an_election_without_candidates_cannot_be_announced(manager, site, estate):
    meeting = make_meeting(manager, site.community, motions=())
    services.add_motion(manager, meeting, title="Committee", matter=Matter.COMMITTEE, seats=3)
    with pytest.raises(ValidationError, match="no candidates"):
        announce(manager, meeting)


def test_selecting_more_candidates_than_seats_is_refused(election, estate):
    meeting, motion = election
    with pytest.raises(ValidationError, match="at most 2 candidates"):
        cast(estate.li, meeting, party_of(meeting, estate.li), {motion.pk: ids(motion, "Ann", "Bo", "Cy")})
    assert not Ballot.objects.exists()


def test_seats_go_to_the_candidates_with_most_votes_among_those_with_a_majority(election, manager, estate):
    meeting, motion = election
    # Roll: developer 200, Li 270, Wang+Zhao 120, Chen 110 (700 m², 4 owners).
    cast(estate.li, meeting, party_of(meeting, estate.li), {motion.pk: ids(motion, "Ann", "Bo")})
    cast(estate.wang, meeting, party_of(meeting, estate.wang), {motion.pk: ids(motion, "Ann", "Cy")})
    cast(estate.chen, meeting, party_of(meeting, estate.chen), {motion.pk: ids(motion, "Ann")})
    finish(manager, meeting)
    data = motion.result.data
    assert data["quorum_met"] and data["participating"] == {"area": "500.00", "headcount": 3}
    by_name = {c["name"]: c for c in data["candidates"]}
    assert by_name["Ann"]["elected"] and by_name["Ann"]["headcount"] == 3
    # Bo: 1 of 3 heads, 270/500 area: not more than half of heads, so not elected despite a free seat.
    assert not by_name["Bo"]["qualified"] and not by_name["Cy"]["qualified"]
    assert services.verify(meeting) == []


def test_an_owner_votes_in_the_election_through_the_ballot_page(client, election, estate):
    meeting, motion = election
    party = party_of(meeting, estate.chen)
    client.force_login(estate.chen)
    url = reverse("voting:vote", args=[meeting.pk, party.pk])
    page = client.get(url)
    assert "Ann" in page.content.decode()
    token = page.context["form"]["token"].value()
    response = client.post(
        url,
        {
            f"motion_{motion.pk}": [str(i) for i in ids(motion, "Bo", "Cy")],
            "password": "correct horse battery staple",
            "token": token,
        },
    )
    assert response.status_code == 302
    ballot = Ballot.objects.get()
    assert ballot.choice_label == "Bo, Cy"
    assert "Bo, Cy" in client.get(reverse("voting:meeting", args=[meeting.pk])).content.decode()

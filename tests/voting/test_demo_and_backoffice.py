"""The demo meetings, and the back-office control room: scoped by office, actions by role."""

import datetime
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from portal import demo
from portal.people.models import StaffRole
from portal.voting import services
from portal.voting.demo import ELECTION_TITLE, seed_demo_voting
from portal.voting.models import Ballot, Meeting, PaperEntry, Proxy, decode_selection
from tests.factories import ResidentMembershipFactory, UnitFactory, UserFactory
from tests.properties.conftest import staff

from .conftest import finish, make_meeting, party_of

pytestmark = pytest.mark.django_db


def scan():
    return SimpleUploadedFile("ballot.pdf", b"%PDF-1.4 signed ballot", content_type="application/pdf")


def test_the_demo_seeds_a_published_and_an_open_meeting_that_verify(site):
    site.community.code = demo.COMMUNITIES[0].code
    site.community.save()
    login = demo.DEMO_LOGIN_BY_KEY
    manager = staff(StaffRole.OFFICE_MANAGER, site.office, email=login["office_manager"].email)
    resident = UserFactory(email=login["resident"].email)
    units = [UnitFactory(building=site.building, grid=site.grid, number=f"{n}01", floor=n) for n in range(1, 13)]
    for unit in units[:-1]:
        ResidentMembershipFactory(unit=unit)
    ResidentMembershipFactory(unit=units[-1], user=resident)
    assert seed_demo_voting(datetime.date.today()) > 2
    assert seed_demo_voting(datetime.date.today()) == 0
    past, current, election = Meeting.objects.order_by("opens_at")
    assert past.status == Meeting.Status.PUBLISHED and current.is_open()
    assert not Ballot.objects.filter(party__owners=resident, motion__meeting=current).exists()
    # Besides the meetings: the owners' committee election, open, with candidates and ballots (not the resident's).
    assert election.title == ELECTION_TITLE and election.is_open()
    motion = election.motions.get()
    assert motion.is_election and motion.matter == "committee" and motion.candidates.count() > motion.seats
    ballots = Ballot.objects.filter(motion=motion)
    assert ballots.exists() and not ballots.filter(party__owners=resident).exists()
    assert all(1 <= len(decode_selection(b.choice)) <= motion.seats for b in ballots)
    call_command("verify_voting", stdout=StringIO())
    assert manager


def test_a_manager_creates_announces_and_runs_a_meeting_in_the_back_office(client, manager, site, estate):
    client.force_login(manager)
    assert client.get(reverse("voting_admin:index")).status_code == 200
    response = client.post(
        reverse("voting_admin:new"),
        {
            "community": site.community.pk,
            "title": "Garage meeting",
            "notice_days": 15,
            "opens_at": "2030-01-20T09:00",
            "closes_at": "2030-01-27T18:00",
            "allow_change": "on",
        },
    )
    meeting = Meeting.objects.get(title="Garage meeting")
    assert response.status_code == 302 and meeting.status == Meeting.Status.DRAFT
    url = reverse("voting_admin:meeting", args=[meeting.pk])
    client.post(url, {"action": "motion", "title": "EV chargers", "matter": "change_use", "text": ""})
    assert meeting.motions.get().major
    client.post(url, {"action": "announce"})
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ANNOUNCED and meeting.roll.count() == 4
    page = client.get(url).content.decode()
    assert "One owner of several units: counts once, areas added" in page
    assert "All unsold units of the developer: count once, areas added" in page
    assert "verified intact" in page


def test_announcing_too_early_is_refused_with_the_rule(client, manager, site, estate):
    meeting = make_meeting(manager, site.community)  # opens an hour ago: no notice period possible
    client.force_login(manager)
    response = client.post(reverse("voting_admin:meeting", args=[meeting.pk]), {"action": "announce"}, follow=True)
    assert "no earlier than 15 days after the notice" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.DRAFT


def test_staff_of_another_office_get_404_and_a_resident_is_refused(client, meeting, other_manager, estate):
    client.force_login(other_manager)
    assert client.get(reverse("voting_admin:meeting", args=[meeting.pk])).status_code == 404
    assert meeting.title not in client.get(reverse("voting_admin:index")).content.decode()
    client.force_login(estate.li)
    assert client.get(reverse("voting_admin:meeting", args=[meeting.pk])).status_code in (302, 403)


def test_a_clerk_cannot_close_or_count(client, meeting, clerk):
    client.force_login(clerk)
    url = reverse("voting_admin:meeting", args=[meeting.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "close"}).status_code in (302, 403)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.ANNOUNCED


def test_a_paper_ballot_counts_only_after_a_second_clerk_confirms_it(client, meeting, clerk, second_clerk, estate):
    party = party_of(meeting, estate.chen)
    motion = meeting.motions.first()
    client.force_login(clerk)
    url = reverse("voting_admin:meeting", args=[meeting.pk])
    client.post(
        url,
        {"action": "paper", f"motion_{motion.pk}": "against", "party": party.pk, "reference": "P-0001", "scan": scan()},
    )
    entry = PaperEntry.objects.get()
    assert not Ballot.objects.exists()
    response = client.post(url, {"action": "paper_confirm", "entry": entry.pk}, follow=True)
    assert "second clerk must confirm" in response.content.decode()
    assert not Ballot.objects.exists()
    client.force_login(second_clerk)
    client.post(url, {"action": "paper_confirm", "entry": entry.pk})
    ballot = Ballot.objects.get()
    assert (ballot.channel, ballot.choice, ballot.party) == ("paper", "against", party)
    entry.refresh_from_db()
    assert entry.status == PaperEntry.Status.CONFIRMED and entry.decided_by == second_clerk
    assert services.verify(meeting) == []


def test_an_approved_proxy_votes_for_the_owner(client, meeting, clerk, estate):
    friend = UserFactory(email="friend@example.com", full_name="Friend")
    party = party_of(meeting, estate.chen)
    client.force_login(estate.chen)
    response = client.post(
        reverse("voting:proxy", args=[meeting.pk, party.pk]), {"proxy": "friend@example.com", "document": scan()}
    )
    assert response.status_code == 302
    proxy = Proxy.objects.get()
    assert not services.voter_parties(friend, meeting).exists()
    client.force_login(clerk)
    client.post(reverse("voting_admin:meeting", args=[meeting.pk]), {"action": "proxy_approve", "proxy": proxy.pk})
    assert services.voter_parties(friend, meeting).get() == party
    from .conftest import cast

    ballot = cast(friend, meeting, party, {meeting.motions.first().pk: "for"})[0].ballot
    assert ballot.channel == Ballot.Channel.PROXY and ballot.cast_by == friend


def test_results_export_as_csv(client, meeting, manager, estate):
    from .conftest import cast

    cast(estate.li, meeting, party_of(meeting, estate.li), {m.pk: "for" for m in meeting.motions.all()})
    finish(manager, meeting)
    client.force_login(manager)
    response = client.get(reverse("voting_admin:export", args=[meeting.pk]))
    body = response.content.decode("utf-8-sig")
    assert response.status_code == 200 and "Hire a new property company" in body
    assert "270.00" in body


def test_results_export_as_pdf_for_the_office_only(client, meeting, manager, other_manager, estate):
    from .conftest import cast

    cast(estate.li, meeting, party_of(meeting, estate.li), {m.pk: "for" for m in meeting.motions.all()})
    finish(manager, meeting)
    client.force_login(manager)
    response = client.get(reverse("voting_admin:export_pdf", args=[meeting.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    client.force_login(other_manager)
    assert client.get(reverse("voting_admin:export_pdf", args=[meeting.pk])).status_code == 404

"""Paper ballot sheets (per party, every motion, with the sheet number), the public bulletin without areas,
the cached verifier, and the shared voting window of meetings and surveys."""

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from portal.voting import services, tally
from portal.voting.models import Ballot, Matter, Meeting, PaperEntry, Survey, VotingWindow

from .conftest import announce, cast, finish, make_meeting, party_of
from .test_count import everyone_votes

pytestmark = pytest.mark.django_db


def scan():
    return SimpleUploadedFile("sheet.pdf", b"%PDF-1.4 signed paper ballot", content_type="application/pdf")


@pytest.fixture
def with_election(manager, site, estate):
    meeting = make_meeting(manager, site.community)
    motion = services.add_motion(manager, meeting, title="Owners' committee", matter=Matter.COMMITTEE, seats=2)
    for name in ("Ann", "Bo", "Cy"):
        services.add_candidate(manager, motion, name=name)
    return announce(manager, meeting)


def sheet(client, meeting, party, marks, reference="P-0007"):
    data = {"action": "paper", "party": party.pk, "reference": reference, "scan": scan()}
    data |= {f"motion_{pk}": value for pk, value in marks.items()}
    return client.post(reverse("voting_admin:meeting", args=[meeting.pk]), data, follow=True)


def confirm_all(client, meeting, second_clerk):
    client.force_login(second_clerk)
    for entry in PaperEntry.objects.filter(status=PaperEntry.Status.PENDING):
        client.post(reverse("voting_admin:meeting", args=[meeting.pk]), {"action": "paper_confirm", "entry": entry.pk})


def test_a_paper_sheet_is_entered_for_every_motion_and_counts_like_online_ballots(
    client, with_election, clerk, second_clerk, manager, estate
):
    meeting = with_election
    hire, fund, committee = meeting.motions.order_by("order")
    ann, bo = committee.candidates.get(name="Ann"), committee.candidates.get(name="Bo")
    chen = party_of(meeting, estate.chen)
    client.force_login(clerk)
    page = client.get(reverse("voting_admin:meeting", args=[meeting.pk])).content.decode()
    assert f'name="motion_{committee.pk}"' in page and "Paper ballot number" in page
    response = sheet(client, meeting, chen, {hire.pk: "for", fund.pk: "", committee.pk: [ann.pk, bo.pk]})
    assert "a second clerk must confirm" in response.content.decode()
    entries = PaperEntry.objects.order_by("motion__order")
    assert [e.motion for e in entries] == [hire, committee], "a motion left blank on the paper is not entered"
    assert {e.reference for e in entries} == {"P-0007"} and entries[0].scan.name == entries[1].scan.name
    assert entries[1].choice_label == "Ann, Bo"

    confirm_all(client, meeting, second_clerk)
    assert set(Ballot.objects.values_list("channel", flat=True)) == {"paper"}
    # The same choices online by another party: the count treats both channels alike.
    li = party_of(meeting, estate.li)
    cast(estate.li, meeting, li, {hire.pk: "for", committee.pk: [ann.pk, bo.pk]})
    finish(manager, meeting)
    result = hire.result.data
    assert result["for"]["headcount"] == 2 and result["for"]["area"] == str(chen.area + li.area)
    elected = {c["name"]: c["headcount"] for c in committee.result.data["candidates"]}
    assert elected["Ann"] == elected["Bo"] == 2
    assert services.verify(meeting) == []


def test_a_party_that_voted_online_cannot_hand_in_a_paper_ballot(client, meeting, clerk, second_clerk, estate):
    hire, fund = meeting.motions.order_by("order")
    chen = party_of(meeting, estate.chen)
    cast(estate.chen, meeting, chen, {hire.pk: "against"})
    client.force_login(clerk)
    response = sheet(client, meeting, chen, {hire.pk: "for", fund.pk: "for"})
    assert "already voted online" in response.content.decode()
    assert not PaperEntry.objects.exists(), "all or nothing: the fund motion was not entered either"

    # Entered before the online vote, confirmed after it: still refused, and the online ballot stands.
    sheet(client, meeting, chen, {fund.pk: "for"})
    cast(estate.chen, meeting, chen, {fund.pk: "against"})
    client.force_login(second_clerk)
    entry = PaperEntry.objects.get()
    response = client.post(
        reverse("voting_admin:meeting", args=[meeting.pk]), {"action": "paper_confirm", "entry": entry.pk}, follow=True
    )
    assert "already voted online" in response.content.decode()
    assert Ballot.objects.get(motion=fund, party=chen).choice == "against"
    assert Ballot.objects.get(motion=fund, party=chen).channel == "online"


def test_the_database_keeps_one_ballot_so_a_paper_write_never_replaces_an_online_one(meeting, estate, clerk):
    hire = meeting.motions.order_by("order").first()
    chen = party_of(meeting, estate.chen)
    online = cast(estate.chen, meeting, chen, {hire.pk: "for"})[0].ballot
    with pytest.raises(ValidationError, match="already voted online"):
        services._write_ballot(
            Meeting.objects.get(pk=meeting.pk), hire, chen, "against", by=clerk, channel="paper", now=online.cast_at
        )
    assert list(Ballot.objects.values_list("choice", "channel")) == [("for", "online")]


def test_a_sheet_number_is_entered_once_and_bad_input_is_refused(client, meeting, clerk, estate):
    hire, fund = meeting.motions.order_by("order")
    client.force_login(clerk)
    sheet(client, meeting, party_of(meeting, estate.chen), {hire.pk: "for"}, reference="P-1")
    again = sheet(client, meeting, party_of(meeting, estate.li), {hire.pk: "for"}, reference="P-1")
    assert "Paper ballot number P-1 was already entered" in again.content.decode()
    blank = sheet(client, meeting, party_of(meeting, estate.li), {hire.pk: "", fund.pk: ""}, reference="P-2")
    assert blank.status_code == 422 and "at least one motion" in blank.content.decode()
    assert PaperEntry.objects.count() == 1


def test_the_public_bulletin_shows_receipts_and_choices_but_no_areas(client, meeting, manager, estate):
    everyone_votes(meeting, estate)
    finish(manager, meeting)
    services.publish(manager, meeting)
    client.force_login(estate.chen)
    page = client.get(reverse("voting:results", args=[meeting.pk])).content.decode()
    for ballot in Ballot.objects.select_related("party"):
        assert ballot.receipt.upper() in page
    for party in meeting.roll.all():
        assert f">{party.area}<" not in page, "no party's area is listed"
    public_lists = page[page.index('id="bulletin-title"') :]  # the bulletin and the roll of who voted
    assert "Area (m²)" not in public_lists and "Receipt" in public_lists and "Voted" in public_lists
    assert services.public_bulletin(meeting.motions.first())[0] == tuple(
        Ballot.objects.filter(motion=meeting.motions.first()).order_by("receipt").values_list("receipt", "choice")[0]
    )
    # The official recount from the auditors' list (with areas) still equals the tally.
    motion = meeting.motions.first()
    assert services.recount_from_bulletin(motion).as_dict() == motion.result.data
    ballot = Ballot.objects.filter(party=party_of(meeting, estate.chen), motion=motion).get()
    client.logout()
    check = client.get(reverse("voting:verify"), {"code": ballot.receipt}).content.decode()
    assert f"<dd>{ballot.choice_label}</dd>" in check


def test_the_verifier_runs_once_and_again_only_when_a_ballot_is_added_or_on_demand(
    client, meeting, clerk, estate, monkeypatch
):
    runs = []
    real = services.verify
    monkeypatch.setattr(services, "verify", lambda m: runs.append(m.pk) or real(m))
    cache.delete(f"voting:verify:{meeting.pk}")
    client.force_login(clerk)
    url = reverse("voting_admin:meeting", args=[meeting.pk])
    assert "verified intact" in client.get(url).content.decode()
    client.get(url)
    client.get(url)
    assert len(runs) == 1, "page views reuse the verifier's result"

    ballot = cast(estate.chen, meeting, party_of(meeting, estate.chen), {meeting.motions.first().pk: "for"})[0].ballot
    client.get(url)
    assert len(runs) == 2, "a new ballot moves the chain: verified again"

    Ballot.objects.filter(pk=ballot.pk).update(choice="against")  # tampering that leaves the chain alone
    assert "verified intact" in client.get(url).content.decode(), "the cached answer until someone asks again"
    response = client.post(url, {"action": "verify"}, follow=True).content.decode()
    assert len(runs) == 3 and "signature does not match" in response
    assert "signature does not match" in client.get(url).content.decode()
    with pytest.raises(Exception, match="failed verification"):
        call_command("verify_voting", str(meeting.pk), stdout=StringIO(), stderr=StringIO())


def test_meetings_and_surveys_share_the_voting_window():
    for model in (Meeting, Survey):
        assert issubclass(model, VotingWindow)
        fields = {f.name: f for f in model._meta.get_fields()}
        assert fields["opens_at"].model is model and fields["closes_at"].model is model
        names = {c.name for c in model._meta.constraints}
        assert f"voting_{model._meta.model_name}_window_order" in names
        assert model._meta.ordering == ["-opens_at"]
    out = StringIO()
    call_command("makemigrations", "voting", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
    assert tally.Reason.LINKED == "linked"

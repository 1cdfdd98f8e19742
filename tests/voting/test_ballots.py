"""Casting ballots: only owners on the roll, inside the window, once, after confirming; receipts verify."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal.voting import services
from portal.voting.models import Ballot, Meeting

from .conftest import announce, cast, make_meeting, party_of

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def choices_for(meeting, choice="for"):
    return {m.pk: choice for m in meeting.motions.all()}


def vote_over_http(client, user, meeting, party, choice="for", password=PASSWORD):
    client.force_login(user)
    url = reverse("voting:vote", args=[meeting.pk, party.pk])
    page = client.get(url)
    assert page.status_code == 200
    token = page.context["form"]["token"].value()
    data = {f"motion_{m.pk}": choice for m in meeting.motions.all()} | {"password": password, "token": token}
    return client.post(url, data)


def test_an_owner_votes_through_the_ballot_page_and_sees_receipts(client, meeting, estate):
    party = party_of(meeting, estate.chen)
    response = vote_over_http(client, estate.chen, meeting, party, "against")
    assert response.status_code == 302
    ballots = Ballot.objects.filter(party=party)
    assert ballots.count() == 2 and {b.choice for b in ballots} == {"against"}
    page = client.get(reverse("voting:meeting", args=[meeting.pk]))
    for ballot in ballots:
        assert ballot.receipt.upper() in page.content.decode()


def test_a_wrong_password_casts_nothing_and_says_why(client, meeting, estate):
    party = party_of(meeting, estate.chen)
    response = vote_over_http(client, estate.chen, meeting, party, password="nope")
    assert response.status_code == 422
    assert "password or code is wrong" in response.content.decode()
    assert not Ballot.objects.exists()


def test_a_stale_confirmation_code_is_refused(meeting, estate, settings):
    party = party_of(meeting, estate.chen)
    token = services.confirmation_token(estate.chen, meeting)
    with pytest.MonkeyPatch.context() as mp:
        import time

        real = time.time
        mp.setattr(time, "time", lambda: real() + services.CONFIRMATION_MAX_AGE + 5)
        with pytest.raises(ValidationError, match="expired"):
            services.cast_ballots(estate.chen, meeting, party, choices_for(meeting), password=PASSWORD, token=token)
    assert not Ballot.objects.exists()


def test_a_confirmation_code_of_another_meeting_or_person_is_refused(manager, site, meeting, estate):
    party = party_of(meeting, estate.chen)
    other = services.confirmation_token(estate.li, meeting)
    with pytest.raises(ValidationError, match="not valid"):
        services.cast_ballots(estate.chen, meeting, party, choices_for(meeting), password=PASSWORD, token=other)


def test_tenants_and_family_cannot_vote_even_for_their_home(client, meeting, estate):
    party = party_of(meeting, estate.chen)
    for user in (estate.tenant, estate.family):
        client.force_login(user)
        assert client.get(reverse("voting:vote", args=[meeting.pk, party.pk])).status_code == 404
        with pytest.raises(ValidationError, match="tenants and family members cannot vote"):
            cast(user, meeting, party, choices_for(meeting))
        page = client.get(reverse("voting:meeting", args=[meeting.pk]))
        assert "Only owners vote" in page.content.decode()
    assert not Ballot.objects.exists()


def test_a_neighbour_cannot_vote_for_a_unit_they_do_not_own(client, meeting, estate):
    chen_party = party_of(meeting, estate.chen)
    client.force_login(estate.li)
    assert client.get(reverse("voting:vote", args=[meeting.pk, chen_party.pk])).status_code == 404
    with pytest.raises(ValidationError, match="Only the owners"):
        cast(estate.li, meeting, chen_party, choices_for(meeting))


def test_staff_of_another_office_cannot_see_the_meeting(client, meeting, other_manager):
    client.force_login(other_manager)
    assert client.get(reverse("voting:meeting", args=[meeting.pk])).status_code == 404


def test_voting_before_the_window_opens_is_refused(manager, site, estate):
    meeting = announce(manager, make_meeting(manager, site.community, open_now=False))
    party = party_of(meeting, estate.chen)
    with pytest.raises(ValidationError, match="Voting is not open"):
        cast(estate.chen, meeting, party, choices_for(meeting))


def test_voting_after_the_window_closed_is_refused(meeting, estate):
    party = party_of(meeting, estate.chen)
    later = meeting.closes_at + datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError, match="Voting is not open"):
        services.cast_ballots(
            estate.chen,
            meeting,
            party,
            choices_for(meeting),
            password=PASSWORD,
            token=services.confirmation_token(estate.chen, meeting),
            now=later,
        )


def test_co_owners_share_one_ballot_and_a_change_replaces_it(meeting, estate):
    party = party_of(meeting, estate.wang)
    motion = meeting.motions.first()
    first = cast(estate.wang, meeting, party, {motion.pk: "for"})[0].ballot
    second = cast(estate.zhao, meeting, party, {motion.pk: "against"})[0]
    assert second.changed
    ballot = Ballot.objects.get(party=party, motion=motion)
    assert ballot.choice == "against" and ballot.version == 2 and ballot.cast_by == estate.zhao
    assert ballot.receipt != first.receipt
    assert services.verify(meeting) == []


def test_voting_twice_is_refused_when_the_meeting_allows_no_change(manager, site, estate):
    meeting = announce(manager, make_meeting(manager, site.community, allow_change=False))
    party = party_of(meeting, estate.chen)
    cast(estate.chen, meeting, party, choices_for(meeting, "for"))
    with pytest.raises(ValidationError, match="does not allow changes"):
        cast(estate.chen, meeting, party, choices_for(meeting, "against"))
    assert set(Ballot.objects.values_list("choice", flat=True)) == {"for"}


def test_the_database_refuses_a_second_ballot_row_for_one_party_and_motion(meeting, estate):
    from django.db import IntegrityError, transaction

    party = party_of(meeting, estate.chen)
    ballot = cast(estate.chen, meeting, party, choices_for(meeting))[0].ballot
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(
            motion=ballot.motion,
            party=party,
            choice="against",
            cast_by=estate.chen,
            nonce="x",
            receipt="y",
            signature="z",
            cast_at=timezone.now(),
        )


def test_a_receipt_can_be_checked_publicly_without_revealing_the_choice_before_results(client, meeting, estate):
    ballot = cast(estate.chen, meeting, party_of(meeting, estate.chen), choices_for(meeting, "against"))[0].ballot
    client.logout()
    page = client.get(reverse("voting:verify"), {"code": services.format_receipt(ballot.receipt)})
    text = page.content.decode()
    assert page.status_code == 200 and "This receipt is recorded" in text
    assert "Counted as" not in text and "Chen" not in text
    assert "No ballot has this receipt" in client.get(reverse("voting:verify"), {"code": "abcd"}).content.decode()


def test_the_receipt_is_a_hash_of_meeting_party_choice_and_nonce(meeting, estate):
    ballot = cast(estate.chen, meeting, party_of(meeting, estate.chen), choices_for(meeting))[0].ballot
    assert ballot.receipt == services.receipt_code(meeting.pk, ballot.motion_id, ballot.party.key, "for", ballot.nonce)


def test_the_list_shows_the_meetings_of_my_community_only(client, meeting, estate, other_site, manager):
    client.force_login(estate.tenant)
    page = client.get(reverse("voting:index"))
    assert meeting.title in page.content.decode()
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert meeting.title not in client.get(reverse("voting:index")).content.decode()
    assert client.get(reverse("voting:meeting", args=[meeting.pk])).status_code == 404


def test_a_draft_meeting_is_not_shown_to_residents(client, manager, site, estate):
    meeting = make_meeting(manager, site.community)
    client.force_login(estate.chen)
    assert client.get(reverse("voting:meeting", args=[meeting.pk])).status_code == 404
    assert meeting.status == Meeting.Status.DRAFT


def test_an_owner_without_a_password_confirms_with_a_one_time_code_by_text(client, meeting, estate, settings):
    import re

    from django.core.cache import cache

    from portal.people import sms

    settings.SMS_BACKEND = "locmem"
    cache.clear()
    sms.outbox.clear()
    chen = estate.chen
    chen.phone = "+8613811112222"
    chen.set_unusable_password()
    chen.save()
    party = party_of(meeting, chen)
    client.force_login(chen)
    url = reverse("voting:vote", args=[meeting.pk, party.pk])
    client.post(url, {"send_code": "1"})
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].body).group(1)
    token = client.get(url).context["form"]["token"].value()
    data = {f"motion_{m.pk}": "for" for m in meeting.motions.all()} | {"token": token}
    assert client.post(url, data | {"password": "000000" if code != "000000" else "111111"}).status_code == 422
    assert client.post(url, data | {"password": code}).status_code == 302
    assert Ballot.objects.filter(party=party).count() == 2
    # the code is single use
    with pytest.raises(ValidationError, match="password or code is wrong"):
        services.cast_ballots(
            chen, meeting, party, choices_for(meeting), password=code, token=services.confirmation_token(chen, meeting)
        )

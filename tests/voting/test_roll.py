"""The roll frozen at announcement: owner parties per the counting rules, areas by the legal ranking."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from portal.people.models import ResidentRole
from portal.voting import services
from portal.voting.models import Meeting, RollParty, RollUnit, UnitArea

from .conftest import announce, make_meeting, member

pytestmark = pytest.mark.django_db
D = Decimal


def test_the_roll_groups_owners_as_the_law_counts_them(meeting, estate):
    roll = {p.key: p for p in meeting.roll.all()}
    assert len(roll) == 4  # developer, Li (3 units), Wang+Zhao, Chen
    developer = roll["developer"]
    assert developer.reason == RollParty.Reason.DEVELOPER and developer.area == D("200.00")
    li = services.voter_parties(estate.li, meeting).get()
    assert li.reason == RollParty.Reason.MULTI_UNIT and li.area == D("270.00") and li.units.count() == 3
    couple = services.voter_parties(estate.wang, meeting).get()
    assert couple.reason == RollParty.Reason.CO_OWNED
    assert set(couple.owners.all()) == {estate.wang, estate.zhao}
    assert services.voter_parties(estate.zhao, meeting).get() == couple


def test_tenants_and_family_members_are_not_on_the_roll(meeting, estate):
    assert not services.voter_parties(estate.tenant, meeting).exists()
    assert not services.voter_parties(estate.family, meeting).exists()


def test_registered_area_beats_surveyed_beats_contract_beats_floor_area(manager, site, estate):
    UnitArea.objects.create(unit=estate.units["101"], registered_area=D("81.11"), surveyed_area=D("82"))
    UnitArea.objects.create(unit=estate.units["102"], surveyed_area=D("91.22"), contract_area=D("95"))
    UnitArea.objects.create(unit=estate.units["103"], contract_area=D("99.33"))
    meeting = announce(manager, make_meeting(manager, site.community))
    rows = {ru.unit.number: ru for ru in RollUnit.objects.filter(party__meeting=meeting).select_related("unit")}
    assert (rows["101"].area, rows["101"].area_source) == (D("81.11"), "registered")
    assert (rows["102"].area, rows["102"].area_source) == (D("91.22"), "surveyed")
    assert (rows["103"].area, rows["103"].area_source) == (D("99.33"), "contract")
    assert (rows["201"].area, rows["201"].area_source) == (D("120.00"), "floor_area")


def test_the_roll_is_frozen_when_the_meeting_is_announced(meeting, estate, site):
    from tests.factories import UserFactory

    newcomer = UserFactory()
    member(newcomer, estate.units["301"], ResidentRole.OWNER)
    UnitArea.objects.create(unit=estate.units["301"], registered_area=D("500"))
    assert not services.voter_parties(newcomer, meeting).exists()
    assert services.voter_parties(estate.chen, meeting).get().area == D("110.00")
    assert services.verify(meeting) == []


def test_voting_may_not_open_before_the_notice_period(manager, site, estate):
    meeting = make_meeting(manager, site.community, open_now=False)
    with pytest.raises(ValidationError, match="15 days"):
        services.announce(manager, meeting, now=meeting.opens_at - datetime.timedelta(days=14))
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.DRAFT and not meeting.roll.exists()


def test_a_meeting_without_motions_cannot_be_announced(manager, site, estate):
    meeting = make_meeting(manager, site.community, motions=())
    with pytest.raises(ValidationError, match="at least one motion"):
        announce(manager, meeting)


def test_staff_of_another_office_cannot_create_or_announce(other_manager, manager, site, estate):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        make_meeting(other_manager, site.community)
    meeting = make_meeting(manager, site.community)
    with pytest.raises(PermissionDenied):
        announce(other_manager, meeting)


def test_owners_are_told_when_a_meeting_is_announced(manager, site, estate, django_capture_on_commit_callbacks):
    from notifications.models import Notification

    meeting = make_meeting(manager, site.community)
    with django_capture_on_commit_callbacks(execute=True):
        announce(manager, meeting)
    told = set(Notification.objects.filter(event="voting.announced").values_list("recipient__full_name", flat=True))
    assert told == {"Li", "Wang", "Zhao", "Chen"}

"""One owner of several units is one party even when each unit's co-owners differ (Civil Code art. 278 counting)."""

import pytest

from portal.voting import services, tally
from portal.voting.models import RollParty
from portal.voting.tally import Reason, UnitRecord, group_parties

from .conftest import announce, make_meeting, member, unit

U = UnitRecord
A, B, C, D, E = 1, 2, 3, 4, 5


def by_units(parties):
    return {p.unit_ids: p for p in parties}


# (case, units, expected parties as {unit ids: (owners, reason, area)})
CASES = [
    (
        "alone in one flat, with a spouse in another: one party",
        [U(10, 8000, frozenset({A})), U(11, 9000, frozenset({A, B}))],
        {(10, 11): ({A, B}, Reason.LINKED, 17000)},
    ),
    (
        "a chain through co-owners joins all three flats",
        [U(10, 5000, frozenset({A, B})), U(11, 6000, frozenset({B, C})), U(12, 7000, frozenset({C, D}))],
        {(10, 11, 12): ({A, B, C, D}, Reason.LINKED, 18000)},
    ),
    (
        "the same couple in two flats",
        [U(10, 5000, frozenset({A, B})), U(11, 6000, frozenset({A, B}))],
        {(10, 11): ({A, B}, Reason.CO_OWNED_MULTI, 11000)},
    ),
    (
        "two couples sharing nobody stay two parties",
        [U(10, 5000, frozenset({A, B})), U(11, 6000, frozenset({C, D}))],
        {(10,): ({A, B}, Reason.CO_OWNED, 5000), (11,): ({C, D}, Reason.CO_OWNED, 6000)},
    ),
    (
        "one owner of three flats, and a neighbour alone",
        [U(10, 5000, frozenset({A})), U(11, 5000, frozenset({A})), U(12, 5000, frozenset({A}))]
        + [U(13, 1, frozenset({E}))],
        {(10, 11, 12): ({A}, Reason.MULTI_UNIT, 15000), (13,): ({E}, Reason.SINGLE, 1)},
    ),
    (
        "an unsold unit stays the developer's even if someone is registered on it; no owner: a party alone",
        [U(10, 5000, frozenset({A}), unsold=True), U(11, 6000, frozenset({A})), U(12, 7000), U(13, 8000)],
        {
            (10,): (set(), Reason.DEVELOPER, 5000),
            (11,): ({A}, Reason.SINGLE, 6000),
            (12,): (set(), Reason.NO_OWNER, 7000),
            (13,): (set(), Reason.NO_OWNER, 8000),
        },
    ),
    (
        "the order of the units does not matter",
        [U(12, 7000, frozenset({C, D})), U(10, 5000, frozenset({A, B})), U(11, 6000, frozenset({B, C}))],
        {(10, 11, 12): ({A, B, C, D}, Reason.LINKED, 18000)},
    ),
]


@pytest.mark.parametrize("case,units,expected", CASES, ids=[c[0] for c in CASES])
def test_grouping_cases(case, units, expected):
    parties = by_units(group_parties(units))
    assert set(parties) == set(expected)
    for unit_ids, (owners, reason, area) in expected.items():
        party = parties[unit_ids]
        assert (set(party.owners), party.reason, party.area) == (owners, reason, area), case


def test_a_linked_party_is_one_head_in_the_tally():
    parties = group_parties([U(10, 8000, frozenset({A})), U(11, 9000, frozenset({A, B})), U(12, 10000, frozenset({C}))])
    assert len(parties) == 2
    linked = next(p for p in parties if p.reason == Reason.LINKED)
    result = tally.tally([(p.key, p.area) for p in parties], {linked.key: tally.FOR}, major=False)
    assert (result.participating.heads, result.participating.area) == (1, 17000)
    assert result.total.heads == 2


def test_a_long_chain_of_owners_still_has_a_key_that_fits():
    units = [U(i, 100, frozenset({10**9 + i, 10**9 + i + 1})) for i in range(40)]
    (party,) = group_parties(units)
    assert party.key.startswith("owners#") and len(party.key) <= tally.MAX_KEY
    assert party.reason == Reason.LINKED and len(party.owners) == 41


@pytest.mark.django_db
def test_the_frozen_roll_shows_staff_why_units_were_joined(manager, site, estate):
    from tests.factories import UserFactory

    wife = UserFactory(full_name="Wife Li")
    flat = unit(site, "501", "95.00")
    member(estate.li, flat)
    member(wife, flat)
    meeting = announce(manager, make_meeting(manager, site.community))
    li = services.voter_parties(estate.li, meeting).get()
    assert services.voter_parties(wife, meeting).get() == li, "the co-owner votes for the same party"
    assert li.reason == RollParty.Reason.LINKED and li.units.count() == 4
    assert str(li.area) == "365.00"
    assert "501: Li, Wife Li" in li.detail and "101: Li" in li.detail
    assert meeting.roll.count() == 4, "developer, Li's linked party, Wang and Zhao, Chen"
    single = services.voter_parties(estate.chen, meeting).get()
    assert single.detail == ""

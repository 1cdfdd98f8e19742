"""The legal count, as pure arithmetic: boundaries of 2/3, 3/4 and 1/2, and the counting rules."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.voting import tally
from portal.voting.tally import ABSTAIN, AGAINST, FOR, Reason, UnitRecord, group_parties


def roll(*areas_m2):
    """Parties p0, p1, ... with the given areas in m² (Decimal strings allowed)."""
    return [(f"p{i}", tally.to_centi(a)) for i, a in enumerate(areas_m2)]


def votes(**choices):
    return choices


# (case, areas of the roll in m², ballots by party index, major?, quorum_met, passed)
CASES = [
    # Quorum boundary: 3 owners of 100 m²; 2 of them take part = exactly 2/3 of area and heads.
    ("exactly two thirds take part: quorum met", ["100", "100", "100"], {0: FOR, 1: FOR}, False, True, True),
    (
        "0.01 m² less than two thirds of the area: no quorum",
        ["100", "99.99", "100.01"],
        {0: FOR, 1: FOR},
        False,
        False,
        False,
    ),
    ("only one of three owners takes part: no quorum", ["100", "100", "100"], {0: FOR}, False, False, False),
    # Ordinary matter: exactly 1/2 fails, just over passes.
    (
        "exactly half of area and heads for: fails",
        ["100"] * 4,
        {0: FOR, 1: FOR, 2: AGAINST, 3: AGAINST},
        False,
        True,
        False,
    ),
    (
        "50.01 percent of the area but exactly half the heads: fails",
        ["50.01", "49.99"],
        {0: FOR, 1: AGAINST},
        False,
        True,
        False,
    ),
    (
        "50.01 percent of the area and 3 of 5 heads: passes",
        ["50.01", "0.01", "0.01", "24.99", "24.98"],
        {0: FOR, 1: FOR, 2: FOR, 3: AGAINST, 4: AGAINST},
        False,
        True,
        True,
    ),
    (
        "abstentions count as participating, not agreeing",
        ["100"] * 3,
        {0: FOR, 1: ABSTAIN, 2: ABSTAIN},
        False,
        True,
        False,
    ),
    # Major matter: 3/4 of both.
    (
        "exactly three quarters of area and heads on a major matter: passes",
        ["100"] * 4,
        {0: FOR, 1: FOR, 2: FOR, 3: AGAINST},
        True,
        True,
        True,
    ),
    (
        "three quarters of the area but just under three quarters of heads on a major matter: fails",
        # for: p0..p4 hold 750 of 1000 m² (exactly 3/4) but are 5 of 8 heads
        ["350", "100", "100", "100", "100", "100", "100", "50"],
        {0: FOR, 1: FOR, 2: FOR, 3: FOR, 4: FOR, 5: AGAINST, 6: AGAINST, 7: ABSTAIN},
        True,
        True,
        False,
    ),
    (
        "the same ballots on an ordinary matter pass",
        ["350", "100", "100", "100", "100", "100", "100", "50"],
        {0: FOR, 1: FOR, 2: FOR, 3: FOR, 4: FOR, 5: AGAINST, 6: AGAINST, 7: ABSTAIN},
        False,
        True,
        True,
    ),
    ("nobody votes", ["100", "100"], {}, False, False, False),
]


@pytest.mark.parametrize(("case", "areas", "ballots", "major", "quorum", "passed"), CASES, ids=[c[0] for c in CASES])
def test_boundary_cases(case, areas, ballots, major, quorum, passed):
    result = tally.tally(roll(*areas), {f"p{i}": c for i, c in ballots.items()}, major=major)
    assert result.quorum_met is quorum
    assert result.passed is passed


def test_three_quarters_of_area_but_under_three_quarters_of_heads_is_exactly_that():
    # 8 parties, 1000 m²; for: 5 heads (5/8 < 3/4) holding 700 m²; make area exactly 3/4 with 750.
    result = tally.tally(
        roll("350", "100", "100", "100", "100", "100", "100", "50"),
        {"p0": FOR, "p1": FOR, "p2": FOR, "p3": FOR, "p4": FOR, "p5": AGAINST, "p6": AGAINST, "p7": AGAINST},
        major=True,
    )
    assert result.approval_area == Fraction(3, 4)
    assert result.approval_heads == Fraction(5, 8)
    assert result.area_approved and not result.heads_approved and not result.passed


def test_just_under_three_quarters_of_heads_with_huge_area_fails_a_major_matter():
    # 3 of 4 heads would pass; 299 of 400 heads is just under.
    parties = [(f"p{i}", 100) for i in range(400)]
    ballots = {f"p{i}": FOR for i in range(299)} | {f"p{i}": AGAINST for i in range(299, 400)}
    parties[0] = ("p0", 10**9)  # p0 holds almost all the area
    result = tally.tally(parties, ballots, major=True)
    assert result.approval_heads == Fraction(299, 400) < Fraction(3, 4)
    assert result.approval_area > Fraction(3, 4)
    assert not result.passed


def test_exact_two_thirds_quorum_uses_no_floats():
    # 2/3 is not representable in binary floating point: 2 of 3 must still be "at least 2/3".
    result = tally.tally(roll("0.01", "0.01", "0.01"), {"p0": FOR, "p1": FOR}, major=False)
    assert result.participation_area == Fraction(2, 3)
    assert result.quorum_met


def test_the_result_json_gives_fractions_percentages_and_the_verdict():
    data = tally.tally(roll("100", "100", "100"), {"p0": FOR, "p1": AGAINST}, major=False).as_dict()
    assert data["participation_area"] == {"fraction": "2/3", "percent": "66.67"}
    assert data["approval_headcount"] == {"fraction": "1/2", "percent": "50.00"}
    assert data["total"] == {"area": "300.00", "headcount": 3}
    assert data["for"] == {"area": "100.00", "headcount": 1}
    assert data["quorum_met"] is True and data["passed"] is False


def test_a_ballot_of_someone_not_on_the_roll_is_an_error_not_ignored():
    with pytest.raises(ValueError, match="not on the roll"):
        tally.tally(roll("100"), {"stranger": FOR}, major=False)


def test_areas_with_more_than_two_decimals_are_refused():
    with pytest.raises(ValueError):
        tally.to_centi("1.005")


# --- counting rules ------------------------------------------------------------------------------


def test_an_owner_of_three_units_counts_once_with_three_areas():
    parties = group_parties(
        [
            UnitRecord(1, 8950, frozenset({7})),
            UnitRecord(2, 12000, frozenset({7})),
            UnitRecord(3, 6000, frozenset({7})),
            UnitRecord(4, 9000, frozenset({8})),
        ]
    )
    assert len(parties) == 2
    mine = next(p for p in parties if p.owners == {7})
    assert mine.area == 8950 + 12000 + 6000 and mine.unit_ids == (1, 2, 3) and mine.reason == Reason.MULTI_UNIT


def test_co_owners_of_one_unit_count_once():
    parties = group_parties([UnitRecord(1, 10000, frozenset({1, 2})), UnitRecord(2, 10000, frozenset({3}))])
    assert [p.reason for p in parties] == [Reason.CO_OWNED, Reason.SINGLE]
    assert len(parties) == 2


def test_the_developer_with_forty_unsold_units_is_one_head_with_forty_areas():
    units = [UnitRecord(i, 9000, frozenset(), unsold=True) for i in range(1, 41)]
    units += [UnitRecord(100 + i, 9000, frozenset({i})) for i in range(1, 61)]
    parties = group_parties(units)
    developer = parties[0]
    assert developer.key == tally.DEVELOPER_KEY and developer.reason == Reason.DEVELOPER
    assert developer.area == 40 * 9000 and len(developer.unit_ids) == 40
    assert len(parties) == 61
    # The developer alone holds 40% of the area and 1/61 of the heads: voting alone there is no quorum.
    result = tally.tally([(p.key, p.area) for p in parties], {tally.DEVELOPER_KEY: FOR}, major=False)
    assert result.participation_area == Fraction(2, 5)
    assert result.participation_heads == Fraction(1, 61)
    assert not result.quorum_met


def test_a_sold_unit_without_a_registered_owner_still_counts_as_one_head():
    parties = group_parties([UnitRecord(1, 5000), UnitRecord(2, 5000, frozenset({1}))])
    assert {p.reason for p in parties} == {Reason.NO_OWNER, Reason.SINGLE}


def test_owners_who_do_not_vote_are_not_counted_as_agreeing():
    result = tally.tally(roll("100", "100", "100", "100"), {"p0": FOR, "p1": FOR, "p2": FOR}, major=True)
    assert result.participating.heads == 3 and result.approval_heads == 1
    assert result.total.heads == 4


# --- properties ----------------------------------------------------------------------------------

parties_st = st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=40)


@st.composite
def elections(draw):
    areas = draw(parties_st)
    keys = [f"p{i}" for i in range(len(areas))]
    ballots = {}
    for key in keys:
        choice = draw(st.sampled_from([None, FOR, AGAINST, ABSTAIN]))
        if choice:
            ballots[key] = choice
    return list(zip(keys, areas, strict=True)), ballots, draw(st.booleans())


@settings(max_examples=300, deadline=None)
@given(elections())
def test_the_verdict_is_exactly_the_rule_of_article_278(case):
    parties, ballots, major = case
    result = tally.tally(parties, ballots, major=major)
    areas = dict(parties)
    total_area, total_heads = sum(areas.values()), len(areas)
    part_area = sum(areas[k] for k in ballots)
    part_heads = len(ballots)
    for_area = sum(areas[k] for k, c in ballots.items() if c == FOR)
    for_heads = sum(1 for c in ballots.values() if c == FOR)
    # The rule restated with integer cross-multiplication only.
    quorum = 3 * part_area >= 2 * total_area and 3 * part_heads >= 2 * total_heads
    if major:
        approve = 4 * for_area >= 3 * part_area and 4 * for_heads >= 3 * part_heads
    else:
        approve = 2 * for_area > part_area and 2 * for_heads > part_heads
    assert result.quorum_met == quorum
    assert result.passed == (quorum and approve and part_heads > 0)


@settings(max_examples=200, deadline=None)
@given(elections())
def test_recounting_the_published_receipts_gives_the_official_result(case):
    parties, ballots, major = case
    official = tally.tally(parties, ballots, major=major)
    areas = dict(parties)
    rows = [(f"receipt-of-{k}", c, areas[k]) for k, c in ballots.items()]
    recount = tally.recount_bulletin(official.total, rows, major=major)
    assert recount.as_dict() == official.as_dict()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 10**6), st.frozensets(st.integers(1, 6), max_size=3), st.booleans()),
        min_size=1,
        max_size=30,
    )
)
def test_grouping_keeps_every_unit_and_all_the_area(units):
    records = [UnitRecord(i, area, owners, unsold) for i, (area, owners, unsold) in enumerate(units)]
    parties = group_parties(records)
    assert sum(p.area for p in parties) == sum(r.area for r in records)
    assert sorted(i for p in parties for i in p.unit_ids) == list(range(len(records)))
    assert sum(1 for p in parties if p.key == tally.DEVELOPER_KEY) <= 1
    # Units sharing an owner are one party: no owner in two parties, and every owned unit's owners in its party.
    owned = [p for p in parties if p.owners]
    assert sum(len(p.owners) for p in owned) == len(set().union(*(p.owners for p in owned)))
    for party in owned:
        assert {i for _unit, owners in party.unit_owners for i in owners} == party.owners
    # As many parties as connected groups of owners (computed here the slow way).
    groups = []
    for record in records:
        if record.unsold or not record.owners:
            continue
        touching = [g for g in groups if g & record.owners]
        merged = set(record.owners).union(*touching)
        groups = [g for g in groups if g not in touching] + [merged]
    assert len(owned) == len(groups)


# --- owners' committee election ------------------------------------------------------------------


def test_election_fills_seats_by_most_votes_among_those_with_a_majority():
    parties = [(f"p{i}", 100) for i in range(10)]
    selections = {f"p{i}": {"Ann", "Bo"} for i in range(6)} | {f"p{i}": {"Ann", "Cy"} for i in range(6, 10)}
    result = tally.elect(parties, selections, ["Ann", "Bo", "Cy"], seats=2)
    assert result.quorum_met
    assert result.qualified == ("Ann", "Bo")  # Cy has 4 of 10: not more than half
    assert result.elected == ("Ann", "Bo") and result.runoff == ()


def test_an_election_tie_on_the_last_seat_is_reported_for_a_run_off():
    parties = [(f"p{i}", 100) for i in range(8)]
    selections = {f"p{i}": {"Ann", "Bo"} for i in range(3)} | {f"p{i}": {"Ann", "Cy"} for i in range(3, 6)}
    selections |= {"p6": {"Bo", "Cy"}, "p7": {"Bo", "Cy"}}
    result = tally.elect(parties, selections, ["Ann", "Bo", "Cy"], seats=2)
    assert result.elected == ("Ann",)
    assert set(result.runoff) == {"Bo", "Cy"}


def test_selecting_more_candidates_than_seats_is_refused():
    with pytest.raises(ValueError):
        tally.elect([("p0", 1)], {"p0": {"A", "B"}}, ["A", "B"], seats=1)

"""The legal count of an owners' decision (PRC Civil Code art. 278), with exact arithmetic only.

Pure functions over plain records: no database, no floats. Areas are whole hundredths of a square
metre (``int``), ratios are ``fractions.Fraction``. The database layer (``roll.py``, ``services.py``)
turns its rows into these records; the bulletin recount uses the very same ``tally`` function.

The rules:

* quorum: the owners taking part hold at least 2/3 of the total exclusive area AND number at least
  2/3 of all owners (headcount);
* a major matter passes with at least 3/4 of the participating area AND at least 3/4 of the
  participating owners voting for;
* any other matter passes with more than 1/2 of both (exactly half fails);
* headcount: one per unit, except that one owner of several units counts once with the areas added
  (units sharing any owner are one party, even when their co-owners differ), co-owners of one unit
  count once, and all unsold units of the developer together count once;
* owners who do not vote are not counted as agreeing (they are simply not participating).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

FOR, AGAINST, ABSTAIN = "for", "against", "abstain"
CHOICES = (FOR, AGAINST, ABSTAIN)

QUORUM = Fraction(2, 3)
MAJOR = Fraction(3, 4)
ORDINARY = Fraction(1, 2)

DEVELOPER_KEY = "developer"


def to_centi(area: Decimal | int | str) -> int:
    """Square metres (Decimal with at most 2 places) as an exact integer of hundredths."""
    value = Decimal(area) * 100
    if value != value.to_integral_value():
        raise ValueError(f"Area {area} has more than two decimal places.")
    return int(value)


def from_centi(centi: int) -> Decimal:
    return (Decimal(centi) / 100).quantize(Decimal("0.01"))


# --- grouping units into owner parties -------------------------------------------------------------


class Reason:
    """Why a party counts as it does (codes stored on the roll; the back office shows them translated)."""

    SINGLE = "single"  # one owner, one unit
    MULTI_UNIT = "multi_unit"  # one owner (or owner set) of several units: one head, areas added
    CO_OWNED = "co_owned"  # several co-owners of one unit: one head
    CO_OWNED_MULTI = "co_owned_multi"  # the same co-owners of several units
    LINKED = "linked"  # several units whose owner sets differ but share an owner: one head, areas added
    DEVELOPER = "developer"  # all unsold units of the developer: one head
    NO_OWNER = "no_owner"  # a sold unit with no owner registered here: one head, paper ballot only


@dataclass(frozen=True)
class UnitRecord:
    unit_id: int
    area: int  # hundredths of m²
    owners: frozenset[int] = frozenset()  # user ids of the unit's owners
    unsold: bool = False


@dataclass(frozen=True)
class PartyRecord:
    key: str
    area: int
    unit_ids: tuple[int, ...]
    owners: frozenset[int]
    reason: str
    # each unit with its own owners, so staff can see why the units were grouped
    unit_owners: tuple[tuple[int, frozenset[int]], ...] = ()


MAX_KEY = 200


def _owners_key(owners: frozenset[int]) -> str:
    """The party's key: its owners' ids, or their digest when a long chain of owners would not fit."""
    key = "owners:" + ",".join(str(i) for i in sorted(owners))
    if len(key) <= MAX_KEY:
        return key
    return "owners#" + hashlib.sha256(key.encode()).hexdigest()


def _reason(owned: list[UnitRecord]) -> str:
    owner_sets = {u.owners for u in owned}
    if len(owned) == 1:
        return Reason.CO_OWNED if len(owned[0].owners) > 1 else Reason.SINGLE
    if len(owner_sets) == 1:
        return Reason.CO_OWNED_MULTI if len(owned[0].owners) > 1 else Reason.MULTI_UNIT
    return Reason.LINKED


def _linked_groups(owned_units: list[UnitRecord]) -> list[list[UnitRecord]]:
    """Units joined whenever they share an owner, transitively (union-find over the owners)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for unit in owned_units:
        first, *rest = sorted(unit.owners)
        for other in rest:
            a, b = find(first), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[UnitRecord]] = {}
    for unit in owned_units:
        groups.setdefault(find(min(unit.owners)), []).append(unit)
    return list(groups.values())


def group_parties(units: Iterable[UnitRecord]) -> list[PartyRecord]:
    """Owner parties per the counting rules, in a stable order (developer first, then by key).

    One owner of several units counts once with the areas added, and co-owners of one unit count
    once; so units are joined whenever they share an owner, even when their co-owners differ (a
    person owning one flat alone and a second with a spouse is one party holding both areas; if the
    spouse also co-owns a third flat with someone else, that flat joins too). All unsold units of
    the developer are one party; a sold unit with no registered owner is a party of its own.
    """
    developer: list[UnitRecord] = []
    owned_units: list[UnitRecord] = []
    orphans: list[UnitRecord] = []
    for unit in units:
        if unit.area <= 0:
            raise ValueError(f"Unit {unit.unit_id} has no positive area.")
        if unit.unsold:
            developer.append(unit)
        elif unit.owners:
            owned_units.append(unit)
        else:
            orphans.append(unit)
    parties = []
    if developer:
        parties.append(
            PartyRecord(
                key=DEVELOPER_KEY,
                area=sum(u.area for u in developer),
                unit_ids=tuple(sorted(u.unit_id for u in developer)),
                owners=frozenset(),
                reason=Reason.DEVELOPER,
            )
        )
    for owned in _linked_groups(owned_units):
        owned.sort(key=lambda u: u.unit_id)
        owners = frozenset().union(*(u.owners for u in owned))
        parties.append(
            PartyRecord(
                key=_owners_key(owners),
                area=sum(u.area for u in owned),
                unit_ids=tuple(u.unit_id for u in owned),
                owners=owners,
                reason=_reason(owned),
                unit_owners=tuple((u.unit_id, u.owners) for u in owned),
            )
        )
    for unit in orphans:
        parties.append(
            PartyRecord(
                key=f"unit:{unit.unit_id}",
                area=unit.area,
                unit_ids=(unit.unit_id,),
                owners=frozenset(),
                reason=Reason.NO_OWNER,
            )
        )
    return sorted(parties, key=lambda p: (p.key != DEVELOPER_KEY, p.key))


# --- the count --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """Area (hundredths of m²) and headcount of a group of parties."""

    area: int = 0
    heads: int = 0

    def __add__(self, other: Share) -> Share:
        return Share(self.area + other.area, self.heads + other.heads)


@dataclass(frozen=True)
class Result:
    major: bool
    total: Share
    participating: Share
    votes: Mapping[str, Share] = field(default_factory=dict)  # choice -> share

    @property
    def threshold(self) -> Fraction:
        return MAJOR if self.major else ORDINARY

    @property
    def participation_area(self) -> Fraction:
        return Fraction(self.participating.area, self.total.area) if self.total.area else Fraction(0)

    @property
    def participation_heads(self) -> Fraction:
        return Fraction(self.participating.heads, self.total.heads) if self.total.heads else Fraction(0)

    @property
    def quorum_met(self) -> bool:
        return self.total.heads > 0 and self.participation_area >= QUORUM and self.participation_heads >= QUORUM

    @property
    def approval_area(self) -> Fraction:
        p = self.participating.area
        return Fraction(self.votes[FOR].area, p) if p else Fraction(0)

    @property
    def approval_heads(self) -> Fraction:
        p = self.participating.heads
        return Fraction(self.votes[FOR].heads, p) if p else Fraction(0)

    def _clears(self, ratio: Fraction) -> bool:
        return ratio >= MAJOR if self.major else ratio > ORDINARY

    @property
    def area_approved(self) -> bool:
        return self._clears(self.approval_area)

    @property
    def heads_approved(self) -> bool:
        return self._clears(self.approval_heads)

    @property
    def passed(self) -> bool:
        return self.quorum_met and self.area_approved and self.heads_approved

    def as_dict(self) -> dict:
        """The JSON shape of ``tally_motion --json`` and of the stored result (areas as m² strings)."""

        def share(s: Share) -> dict:
            return {"area": str(from_centi(s.area)), "headcount": s.heads}

        def ratio(f: Fraction) -> dict:
            return {"fraction": f"{f.numerator}/{f.denominator}", "percent": percent(f)}

        return {
            "rule": "major" if self.major else "ordinary",
            "total": share(self.total),
            "participating": share(self.participating),
            "for": share(self.votes[FOR]),
            "against": share(self.votes[AGAINST]),
            "abstain": share(self.votes[ABSTAIN]),
            "participation_area": ratio(self.participation_area),
            "participation_headcount": ratio(self.participation_heads),
            "approval_area": ratio(self.approval_area),
            "approval_headcount": ratio(self.approval_heads),
            "quorum_met": self.quorum_met,
            "area_approved": self.area_approved,
            "headcount_approved": self.heads_approved,
            "passed": self.passed,
        }


def percent(f: Fraction) -> str:
    """A fraction as a percentage with two decimals, rounded half up, for display only."""
    hundredths = f * 10000
    whole, rest = divmod(hundredths.numerator, hundredths.denominator)
    if rest * 2 >= hundredths.denominator:
        whole += 1
    return f"{Decimal(whole) / 100:.2f}"


def tally(parties: Iterable[tuple[str, int]], ballots: Mapping[str, str], *, major: bool) -> Result:
    """Count one motion.

    ``parties``: (party key, area in hundredths) of the whole roll, each one head.
    ``ballots``: party key -> choice, for the parties that voted. A ballot of a party not on the
    roll, or an unknown choice, is an error (it must never be silently dropped or counted).
    """
    areas = {}
    for key, area in parties:
        if key in areas:
            raise ValueError(f"Party {key} appears twice on the roll.")
        areas[key] = area
    votes = {choice: Share() for choice in CHOICES}
    for key, choice in ballots.items():
        if key not in areas:
            raise ValueError(f"Ballot of {key}, who is not on the roll.")
        if choice not in votes:
            raise ValueError(f"Unknown choice {choice!r}.")
        votes[choice] = votes[choice] + Share(areas[key], 1)
    total = Share(sum(areas.values()), len(areas))
    participating = votes[FOR] + votes[AGAINST] + votes[ABSTAIN]
    return Result(major=major, total=total, participating=participating, votes=votes)


def recount_bulletin(total: Share, rows: Iterable[tuple[str, str, int]], *, major: bool) -> Result:
    """Recount from the published bulletin: (receipt, choice, area) per ballot, each one head.

    Receipts stand in for the anonymous parties; anyone can run this over the published list.
    """
    rows = list(rows)
    receipts = [r for r, _c, _a in rows]
    if len(set(receipts)) != len(receipts):
        raise ValueError("A receipt appears twice on the bulletin.")
    unknown_heads = total.heads - len(rows)
    unknown_area = total.area - sum(a for _r, _c, a in rows)
    if unknown_heads < 0 or unknown_area < 0:
        raise ValueError("The bulletin holds more than the roll.")
    parties = [(r, a) for r, _c, a in rows]
    # The non-voters, lumped (their split does not change any count).
    parties += [(f"~absent{i}", 0) for i in range(unknown_heads)]
    result = tally(parties, {r: c for r, c, _a in rows}, major=major)
    return Result(major=major, total=total, participating=result.participating, votes=result.votes)


# --- owners' committee election ---------------------------------------------------------------------


@dataclass(frozen=True)
class ElectionResult:
    total: Share
    participating: Share
    candidates: Mapping[str, Share]  # candidate -> share of parties that selected them
    qualified: tuple[str, ...]  # more than 1/2 of participating area and heads, by most votes
    elected: tuple[str, ...]
    runoff: tuple[str, ...]  # tied at the last seat: a run-off is needed between these
    seats: int = 0
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def quorum_met(self) -> bool:
        return (
            self.total.heads > 0
            and Fraction(self.participating.area, self.total.area) >= QUORUM
            and Fraction(self.participating.heads, self.total.heads) >= QUORUM
        )

    @property
    def passed(self) -> bool:
        """The election is valid (quorum) and at least one seat was filled."""
        return self.quorum_met and bool(self.elected)

    def as_dict(self) -> dict:
        def share(s: Share) -> dict:
            return {"area": str(from_centi(s.area)), "headcount": s.heads}

        def ratio(n: int, d: int) -> dict:
            f = Fraction(n, d) if d else Fraction(0)
            return {"fraction": f"{f.numerator}/{f.denominator}", "percent": percent(f)}

        p = self.participating
        return {
            "rule": "election",
            "seats": self.seats,
            "total": share(self.total),
            "participating": share(p),
            "participation_area": ratio(p.area, self.total.area),
            "participation_headcount": ratio(p.heads, self.total.heads),
            "quorum_met": self.quorum_met,
            "candidates": [
                {
                    "id": key,
                    "name": self.names.get(key, key),
                    **share(got),
                    "approval_area": ratio(got.area, p.area),
                    "approval_headcount": ratio(got.heads, p.heads),
                    "qualified": key in self.qualified,
                    "elected": key in self.elected if self.quorum_met else False,
                    "runoff": key in self.runoff if self.quorum_met else False,
                }
                for key, got in self.candidates.items()
            ],
            "elected": list(self.elected) if self.quorum_met else [],
            "runoff": list(self.runoff) if self.quorum_met else [],
            "passed": self.passed,
        }


def elect(
    parties: Iterable[tuple[str, int]],
    selections: Mapping[str, Iterable[str]],
    candidates: Iterable[str],
    seats: int,
    names: Mapping[str, str] | None = None,
) -> ElectionResult:
    """Owners' committee election: each party selects up to ``seats`` candidates.

    A candidate qualifies with more than 1/2 of the participating area AND headcount; the seats go
    to the qualified with most votes (headcount, then area); a tie across the last seat is a run-off.
    A party that takes part but selects nobody still participates.
    """
    areas = dict(parties)
    keys = list(candidates)
    got = {name: Share() for name in keys}
    for key, chosen in selections.items():
        if key not in areas:
            raise ValueError(f"Ballot of {key}, who is not on the roll.")
        chosen = set(chosen)
        if len(chosen) > seats:
            raise ValueError(f"Party {key} selected more than {seats} candidates.")
        for name in chosen:
            if name not in got:
                raise ValueError(f"Unknown candidate {name!r}.")
            got[name] = got[name] + Share(areas[key], 1)
    participating = Share(sum(areas[k] for k in selections), len(selections))
    total = Share(sum(areas.values()), len(areas))

    def qualifies(s: Share) -> bool:
        return (
            participating.heads > 0
            and Fraction(s.area, participating.area) > ORDINARY
            and Fraction(s.heads, participating.heads) > ORDINARY
        )

    def rank(name: str) -> tuple[int, int]:
        return (got[name].heads, got[name].area)

    qualified = sorted((n for n in keys if qualifies(got[n])), key=lambda n: (-rank(n)[0], -rank(n)[1], n))
    if len(qualified) <= seats:
        elected, runoff = tuple(qualified), ()
    else:
        cut = rank(qualified[seats - 1]) if seats else None
        tied = [n for n in qualified if rank(n) == cut]
        if seats and rank(qualified[seats]) == cut:
            elected = tuple(n for n in qualified if rank(n) > cut)
            runoff = tuple(tied)
        else:
            elected, runoff = tuple(qualified[:seats]), ()
    return ElectionResult(
        total=total,
        participating=participating,
        candidates=got,
        qualified=tuple(qualified),
        elected=elected,
        runoff=runoff,
        seats=seats,
        names=dict(names or {}),
    )

"""Billing many units at once: the set-based path of the monthly run.

``RunContext`` loads, once per run, what pricing every unit needs (the standards in effect, each
unit's own assignments, parking-space counts, the system accounts), so pricing a unit costs no
query. ``bill_chunk`` then writes a chunk of units' postings, entries, bills and lines with a few
bulk INSERTs in one transaction. The guarantees are the per-unit path's: the posting keys and the
one-live-bill-per-unit-and-month constraint are unique, so if anything in a chunk collides (another
writer billed one of its units meanwhile) the whole chunk rolls back and is billed unit by unit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce import bulk
from commerce.ledger import services as ledger
from commerce.ledger.models import Account, AccountKind, Entry, Posting
from commerce.meters.billing import record_sources
from commerce.money import round_money
from portal.properties.models import ParkingSpace, Unit

from .charges import ChargeError, ChargeLine, compute_charge, standard_for
from .cycles import coverage
from .models import Bill, ChargeItem, ChargeStandard, UnitStandardAssignment, overlapping_ranges

ZERO = Decimal("0.00")


class RunContext:
    """What pricing the units of one office for one period needs, loaded once."""

    def __init__(self, office, items: list[ChargeItem], period_start, period_end, *, metered=None):
        self.office = office
        self.company = office.region.company
        self.items = items
        self.period_start = period_start
        self.period_end = period_end
        self.metered = metered
        in_effect = overlapping_ranges(
            ChargeStandard.objects.filter(item__in=items), period_start, period_start
        ).prefetch_related("tiers")
        self.standards: dict[int, ChargeStandard] = {}
        for standard in in_effect.order_by("-effective_from"):
            self.standards.setdefault(standard.item_id, standard)
        assigned = overlapping_ranges(
            UnitStandardAssignment.objects.filter(item__in=items, unit__building__community__office=office),
            period_start,
            period_start,
        ).select_related("standard")
        self.assignments: dict[tuple[int, int], ChargeStandard] = {
            (row.unit_id, row.item_id): row.standard for row in assigned.prefetch_related("standard__tiers")
        }
        self.parking: dict[int, int] = dict(
            ParkingSpace.objects.filter(community__office=office, unit__isnull=False)
            .values("unit_id")
            .annotate(n=Count("pk"))
            .values_list("unit_id", "n")
        )
        self._accounts: dict[tuple, Account] = {}
        self._priced: dict[tuple, ChargeLine] = {}
        # Quarterly and yearly items billed in this run cover the months ahead of their cycle.
        self.coverage = {item.pk: coverage(item, period_start, period_end) for item in items}

    def standard(self, unit, item) -> ChargeStandard:
        standard = self.assignments.get((unit.pk, item.pk)) or self.standards.get(item.pk)
        # No standard in effect: let the one-unit look-up raise its explanatory ChargeError.
        return standard if standard is not None else standard_for(unit, item, self.period_start)

    def lines_for(self, unit) -> list[ChargeLine]:
        """The unit's non-zero charge lines; metered items come from the meter readings, if any."""
        lines = []
        for item in self.items:
            if item.kind == ChargeItem.Kind.METERED:
                continue
            standard = self.standard(unit, item)
            parking = self.parking.get(unit.pk, 0)
            key = _price_key(item, standard, unit, parking)
            line = self._priced.get(key) if key is not None else None
            if line is None:
                start, end = self.coverage[item.pk]
                line = compute_charge(unit, item, start, end, standard=standard, parking_spaces=parking)
                if key is not None:
                    self._priced[key] = line
            if line.amount != 0:
                lines.append(line)
        if self.metered is not None:
            metered = self.metered.lines_for(unit, self.items, standard_of=self.standard)
            lines.extend(line for line in metered if line.amount != 0)
        return lines

    def system_account(self, kind: str, code: str | None = None) -> Account:
        key = (kind, code)
        if key not in self._accounts:
            self._accounts[key] = ledger.system_account(self.company, kind, charge_code=code, office=self.office)
        return self._accounts[key]


def _price_key(item: ChargeItem, standard: ChargeStandard, unit, parking: int) -> tuple | None:
    """What a plain standard's line depends on, so that units alike are priced once; None: price each unit.

    Units of one layout share a floor area, so a run prices each (standard, area) once instead of once
    per unit. Formula standards may read any of the unit's variables and are priced unit by unit.
    """
    if standard.formula.strip():
        return None
    if item.kind == ChargeItem.Kind.PER_AREA:
        return (item.pk, standard.pk, unit.floor_area)
    if item.kind == ChargeItem.Kind.FIXED_PER_PARKING:
        return (item.pk, standard.pk, parking)
    if item.kind in (ChargeItem.Kind.FIXED_PER_UNIT, ChargeItem.Kind.ONE_OFF):
        return (item.pk, standard.pk)
    return None


def load_units(office) -> list[Unit]:
    """The office's units, each linked to its (shared) building, community and office objects.

    One query for the units and two small ones for buildings and communities, instead of joining the
    whole tree into every unit row: at 100,000 units that is most of the time spent loading them.
    """
    from portal.properties.models import Building, Community

    communities = {c.pk: c for c in Community.objects.filter(office=office)}
    for community in communities.values():
        community.office = office
    buildings = {b.pk: b for b in Building.objects.filter(community__office=office)}
    for building in buildings.values():
        building.community = communities[building.community_id]
    units = list(Unit.objects.filter(building__community__office=office).order_by("pk"))
    for unit in units:
        unit.building = buildings[unit.building_id]
    return units


@dataclass
class ChunkResult:
    billed: list[int] = field(default_factory=list)
    skipped: int = 0
    nothing_due: int = 0
    errors: list[dict] = field(default_factory=list)
    collided: bool = False


def billed_unit_ids(unit_ids, period_start) -> set[int]:
    return set(
        Bill.objects.filter(unit_id__in=unit_ids, period_start=period_start, kind=Bill.Kind.PERIODIC)
        .exclude(status=Bill.Status.VOIDED)
        .values_list("unit_id", flat=True)
    )


def posting_key(unit_id: int, period_start, voided_before: int) -> str:
    # After a void the month may be billed again; the reversed posting keeps the plain key.
    key = f"bill:{unit_id}:{period_start:%Y-%m}"
    return f"{key}:r{voided_before}" if voided_before else key


def _voided_counts(unit_ids, period_start) -> dict[int, int]:
    return dict(
        Bill.objects.filter(
            unit_id__in=unit_ids, period_start=period_start, status=Bill.Status.VOIDED, kind=Bill.Kind.PERIODIC
        )
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )


@dataclass(frozen=True)
class AccountRef:
    """What writing entries needs of an account, loaded without building model instances."""

    pk: int
    currency: str
    office_id: int | None


def _account_refs(unit_ids) -> dict[int, AccountRef]:
    rows = Account.objects.filter(unit_id__in=unit_ids).values_list("unit_id", "pk", "currency", "office_id")
    return {unit_id: AccountRef(pk, currency, office_id) for unit_id, pk, currency, office_id in rows}


def _household_accounts(ctx: RunContext, units: list[Unit]) -> dict[int, AccountRef | Account]:
    accounts = _account_refs([unit.pk for unit in units])
    missing = [unit for unit in units if unit.pk not in accounts]
    if missing:
        currency = (ctx.company.currency or "CNY").upper()
        _create_household_accounts(ctx, missing, currency)
        accounts.update(_account_refs([unit.pk for unit in missing]))
    for unit in units:
        if accounts[unit.pk].office_id != ctx.office.pk:
            accounts[unit.pk] = ledger.household_account(unit)  # moved to this office: the account follows
    return accounts


def _create_household_accounts(ctx: RunContext, units: list[Unit], currency: str) -> None:
    """Create the missing household accounts; one racing creator wins through the unique constraint."""
    if bulk.available():
        bulk.insert_ignoring_conflicts(
            Account,
            ["company_id", "kind", "unit_id", "office_id", "charge_code", "currency", "name"],
            [
                (ctx.company.pk, AccountKind.HOUSEHOLD.value, unit.pk, ctx.office.pk, "", currency, str(unit)[:200])
                for unit in units
            ],
        )
    else:
        Account.objects.bulk_create(
            [
                Account(
                    company=ctx.company,
                    kind=AccountKind.HOUSEHOLD,
                    unit=unit,
                    office=ctx.office,
                    currency=currency,
                    name=str(unit)[:200],
                )
                for unit in units
            ],
            ignore_conflicts=True,
        )


def price_units(ctx: RunContext, units) -> tuple[list[tuple[Unit, list[ChargeLine]]], list[dict], int]:
    """Charge lines per unit; returns (units with lines, errors, units owing nothing)."""
    priced, errors, nothing_due = [], [], 0
    for unit in units:
        try:
            lines = ctx.lines_for(unit)
        except ChargeError as exc:
            errors.append({"unit_id": unit.pk, "unit": str(unit), "message": str(exc)})
            continue
        if lines:
            priced.append((unit, lines))
        else:
            nothing_due += 1
    return priced, errors, nothing_due


def bill_chunk(run, units: list[Unit], ctx: RunContext) -> ChunkResult:
    """Bill the chunk's units that have no live bill for the month yet, in one transaction."""
    result = ChunkResult()
    already = billed_unit_ids([unit.pk for unit in units], run.period_start)
    result.skipped = len(already)
    todo = [unit for unit in units if unit.pk not in already]
    priced, result.errors, result.nothing_due = price_units(ctx, todo)
    if not priced:
        return result
    try:
        with transaction.atomic():
            _write(run, ctx, priced)
    except IntegrityError as exc:
        if not _is_unique_violation(exc):
            raise  # a bug in the bulk path, not a race: never hide it behind the slow path
        result.collided = True
        return result
    result.billed = [unit.pk for unit, _lines in priced]
    return result


def _is_unique_violation(exc: IntegrityError) -> bool:
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate == "23505" if sqlstate else "UNIQUE constraint failed" in str(exc)


def _write(run, ctx: RunContext, priced: list[tuple[Unit, list[ChargeLine]]]) -> None:
    units = [unit for unit, _lines in priced]
    unit_ids = [unit.pk for unit in units]
    voided = _voided_counts(unit_ids, run.period_start)
    households = _household_accounts(ctx, [unit for unit in units if unit.status != Unit.Status.UNSOLD])
    month = f"{run.period_start:%Y-%m}"
    memo = _("Bill %(month)s, %(unit)s")
    postings, plans = [], []  # postings: (idempotency key, memo) per unit
    for unit, lines in priced:
        total = round_money(sum((line.amount for line in lines), ZERO))
        if unit.status == Unit.Status.UNSOLD:
            payer, debtor = Bill.Payer.DEVELOPER, ctx.system_account(AccountKind.DEVELOPER)
        else:
            payer, debtor = Bill.Payer.HOUSEHOLD, households[unit.pk]
        income = defaultdict(lambda: ZERO)
        for line in lines:
            income[line.item.code] += line.amount
        entries = [(debtor, total)] + [
            (ctx.system_account(AccountKind.INCOME, code), -amount) for code, amount in income.items() if amount
        ]
        postings.append(
            (
                posting_key(unit.pk, run.period_start, voided.get(unit.pk, 0)),
                (memo % {"month": month, "unit": unit})[:300],
            )
        )
        plans.append((unit, lines, total, payer, debtor, entries))
    # Plain INSERTs (no ON CONFLICT): a duplicate key raises IntegrityError and the caller falls back to
    # billing the chunk one unit at a time.
    if bulk.available():
        # The chunk's commit need not wait for its WAL flush: WAL is written in order, so any later
        # commit that is durable (the run's progress) implies this one is, and a chunk lost in a crash
        # is billed by the next run like any unbilled unit.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        _copy(run, ctx, postings, plans)
    else:
        _bulk_create(run, ctx, postings, plans)


def _copy(run, ctx: RunContext, postings: list[tuple[str, str]], plans) -> None:
    from .models import BillLine

    now = timezone.now()
    created_by = run.created_by_id
    posting_ids = bulk.reserve_ids(Posting, len(postings))
    bill_ids = bulk.reserve_ids(Bill, len(postings))
    bulk.copy_rows(
        Posting,
        ["id", "idempotency_key", "company_id", "office_id", "kind", "memo", "created_by_id", "created_at", "reason"],
        (
            (pk, key, ctx.company.pk, ctx.office.pk, "bill", memo, created_by, now, "")
            for pk, (key, memo) in zip(posting_ids, postings, strict=True)
        ),
    )
    bulk.copy_rows(
        Entry,
        ["posting_id", "account_id", "amount", "currency"],
        (
            (posting_id, account.pk, amount, account.currency)
            for posting_id, plan in zip(posting_ids, plans, strict=True)
            for account, amount in plan[5]
        ),
    )
    bulk.copy_rows(
        Bill,
        [
            "id", "kind", "run_id", "office_id", "unit_id", "period_start", "period_end", "payer", "total",
            "currency", "posting_id", "status", "note", "source", "created_at",
        ],
        (
            (
                bill_id, Bill.Kind.PERIODIC.value, run.pk, run.office_id, unit.pk, run.period_start,
                run.period_end, str(payer), total, debtor.currency, posting_id, Bill.Status.ISSUED.value, "", "", now,
            )
            for bill_id, posting_id, (unit, _lines, total, payer, debtor, _entries) in zip(
                bill_ids, posting_ids, plans, strict=True
            )
        ),
    )
    lines = [(bill_id, line) for bill_id, plan in zip(bill_ids, plans, strict=True) for line in plan[1]]
    line_ids = bulk.reserve_ids(BillLine, len(lines))
    bulk.copy_rows(
        BillLine,
        ["id", "bill_id", "item_id", "quantity", "unit_price", "amount", "explanation"],
        (
            (line_id, bill_id, line.item.pk, line.quantity, line.unit_price, line.amount, line.explanation[:500])
            for line_id, (bill_id, line) in zip(line_ids, lines, strict=True)
        ),
    )
    record_sources([BillLine(pk=line_id) for line_id in line_ids], [line for _bill_id, line in lines])


def _bulk_create(run, ctx: RunContext, postings: list[tuple[str, str]], plans) -> None:
    from .models import BillLine

    created_by = run.created_by_id
    postings = Posting.objects.bulk_create(
        Posting(
            idempotency_key=key, company=ctx.company, office=ctx.office, kind="bill", memo=memo,
            created_by_id=created_by,
        )
        for key, memo in postings
    )
    Entry.objects.bulk_create(
        Entry(posting=posting, account_id=account.pk, amount=amount, currency=account.currency)
        for posting, plan in zip(postings, plans, strict=True)
        for account, amount in plan[5]
    )
    bills = Bill.objects.bulk_create(
        Bill(
            run=run,
            office_id=run.office_id,
            unit=unit,
            period_start=run.period_start,
            period_end=run.period_end,
            payer=payer,
            total=total,
            currency=debtor.currency,
            posting=posting,
        )
        for posting, (unit, _lines, total, payer, debtor, _entries) in zip(postings, plans, strict=True)
    )
    lines = [(bill, line) for bill, plan in zip(bills, plans, strict=True) for line in plan[1]]
    created = BillLine.objects.bulk_create(
        BillLine(
            bill=bill,
            item=line.item,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            explanation=line.explanation[:500],
        )
        for bill, line in lines
    )
    record_sources(created, [line for _bill, line in lines])

"""The queries behind the billing reports. Read-only.

What a bill owes is computed in one place, ``bill_figures_sql``: a derived table with one row per issued
bill in scope, whose parts are ORM querysets aggregated with ``sum_in_cents`` (exact on SQLite too), put
together with LEFT JOINs of pre-aggregated tables::

    owed        = total + Σ adjustments − Σ allocations of succeeded payments + Σ succeeded refund allocations
    receivable  = total + Σ adjustments            (late fees add, waivers and discounts take off)
    collected   = Σ allocations of succeeded payments − Σ succeeded refund allocations

Joined aggregates rather than correlated subqueries: PostgreSQL runs a correlated subquery once per bill
and per use, a joined aggregate once (hash joins), which keeps 100,000 bills within the time budget.
Inside SQL every amount is whole cents (BIGINT); ``from_cents`` makes Decimals of them.

Adjustments (``commerce.adjustments``), refund allocations (``payments.RefundAllocation``) and deposits
(``commerce.deposits``) are looked up through the app registry, so a term is simply left out while its
app is not installed.
"""

# The SQL text here is put together only from constants and ORM-compiled querysets; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.db import connections
from django.db.models import BigIntegerField, Case, Count, DecimalField, F, Q, Value, When
from django.db.models.functions import Cast, Round
from django.utils import timezone

from commerce.billing.models import Bill, BillLine, ChargeItem
from commerce.ledger.models import Account, AccountKind, Entry
from commerce.ledger.services import from_cents, sum_in_cents
from commerce.payments.models import Payment, PaymentAllocation
from portal.properties.models import Building, Community, Office, Unit

ZERO = Decimal("0.00")
PER_PAGE = 50
CHUNK = 2000
SUCCEEDED = "succeeded"

# (label, first day, last day) of the age of a bill: days since the end of its period.
AGING_BUCKETS = (("0–30", 0, 30), ("31–60", 31, 60), ("61–90", 61, 90), ("90+", 91, None))


def optional_model(app_label: str, model_name: str):
    """The model when its app is installed, else None (reports then leave its term out)."""
    try:
        return apps.get_model(app_label, model_name)
    except LookupError:
        return None


def adjustment_model():
    return optional_model("adjustments", "BillAdjustment")


def refund_allocation_model():
    return optional_model("payments", "RefundAllocation")


def refund_model():
    return optional_model("payments", "Refund")


def deposit_model():
    return optional_model("deposits", "Deposit")


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with 2 places (half up); None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _cents(field_name: str):
    """One row's 2-place amount as whole cents (the per-row form of ``sum_in_cents``)."""
    hundred = Value(Decimal(100), output_field=DecimalField(max_digits=3, decimal_places=0))
    return Cast(Round(F(field_name) * hundred), output_field=BigIntegerField())


def _compile(queryset) -> tuple[str, list]:
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, list(params)


def _table(model) -> str:
    return connections["default"].ops.quote_name(model._meta.db_table)


def _date_param(value: datetime.date):
    return connections["default"].ops.adapt_datefield_value(value)


def _fetch(sql: str, params: list) -> list[tuple]:
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _fetch_chunks(sql: str, params: list) -> Iterator[list[tuple]]:
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield rows


# Scope and paging ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which bills a report covers: the offices the user may see, narrowed by the filters."""

    office_ids: frozenset[int] | None  # None: every office (superuser)
    office_id: int | None = None
    community_id: int | None = None
    building_id: int | None = None
    payer: str = ""  # "" for every payer, else a Bill.Payer value
    period: tuple[datetime.date, datetime.date] | None = None  # bills whose period starts in [from, to]

    @property
    def is_empty(self) -> bool:
        if self.office_ids is None:
            return False
        return not self.office_ids or (self.office_id is not None and self.office_id not in self.office_ids)

    def office_filter(self, path: str) -> Q:
        q = Q()
        if self.office_ids is not None:
            q &= Q(**{f"{path}__in": sorted(self.office_ids)})
        if self.office_id is not None:
            q &= Q(**{path: self.office_id})
        return q

    def bill_q(self, prefix: str = "", *, cheap: bool = False) -> Q:
        """Bills in scope; ``cheap`` leaves out the filters that need the unit (joined later anyway)."""
        q = Q(**{f"{prefix}status": Bill.Status.ISSUED}) & self.office_filter(f"{prefix}office_id")
        if self.payer:
            q &= Q(**{f"{prefix}payer": self.payer})
        if self.period is not None:
            q &= Q(**{f"{prefix}period_start__gte": self.period[0], f"{prefix}period_start__lte": self.period[1]})
        if not cheap:
            if self.community_id is not None:
                q &= Q(**{f"{prefix}unit__building__community_id": self.community_id})
            if self.building_id is not None:
                q &= Q(**{f"{prefix}unit__building_id": self.building_id})
        return q

    def unit_q(self, prefix: str) -> Q:
        q = Q()
        if self.community_id is not None:
            q &= Q(**{f"{prefix}building__community_id": self.community_id})
        if self.building_id is not None:
            q &= Q(**{f"{prefix}building_id": self.building_id})
        return q


@dataclass
class Page:
    rows: list
    number: int
    count: int
    totals: object
    per_page: int = PER_PAGE

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _limit(page: int | None, per_page: int) -> tuple[str, list]:
    if page is None:
        return "", []
    return " LIMIT %s OFFSET %s", [per_page, (max(1, page) - 1) * per_page]


# What bills owe: the one place ------------------------------------------------------------------------


def bill_figures_sql(scope: Scope, *, place: bool = False) -> tuple[str, list]:
    """SQL of a derived table, one row per issued bill in scope.

    Columns: bill_id, unit_id, building_id, community_id, office_id, period_end, total_cents, owed_cents
    (never below zero), receivable_cents and collected_cents (see the module docstring). Building and
    community are NULL unless ``place`` asks for them (they cost two joins over every bill).
    """
    columns = {
        "r_bill": F("pk"),
        "r_unit": F("unit_id"),
        "r_office": F("office_id"),
        "r_end": F("period_end"),
        "r_total": _cents("total"),
    }
    if place:
        columns.update(r_building=F("unit__building_id"), r_community=F("unit__building__community_id"))
    sql, params = _compile(Bill.objects.filter(scope.bill_q()).order_by().values(**columns))
    building, community = ("b.r_building", "b.r_community") if place else ("NULL", "NULL")
    # Each part is narrowed to the scope before it is aggregated. Without a period, money parts are narrowed
    # by the office of their payment, which saves joining every bill a second time (the figure that decides the
    # time budget); it differs from the bill's office only for a unit moved to another office in between.
    by_bill = scope.bill_q("bill__", cheap=True)
    parts = [
        (
            "paid",
            PaymentAllocation.objects.filter(payment__status=Payment.Status.SUCCEEDED),
            by_bill if scope.period else scope.office_filter("payment__office_id"),
        )
    ]
    if (Adjustment := adjustment_model()) is not None:
        parts.append(("adjusted", Adjustment.objects.all(), by_bill))
    if (RefundAllocation := refund_allocation_model()) is not None:
        parts.append(
            (
                "refunded",
                RefundAllocation.objects.filter(refund__status=SUCCEEDED),
                by_bill if scope.period else scope.office_filter("refund__payment__office_id"),
            )
        )
    joins, sums = [], {"paid": "0", "adjusted": "0", "refunded": "0"}
    for name, queryset, narrowed in parts:
        grouped = (
            queryset.filter(narrowed)
            .order_by()
            .values("bill_id")
            .annotate(r_cents=sum_in_cents())
            .values("bill_id", "r_cents")
        )
        part_sql, part_params = _compile(grouped)
        joins.append(f" LEFT JOIN ({part_sql}) {name} ON {name}.bill_id = b.r_bill")
        params += part_params
        sums[name] = f"COALESCE({name}.r_cents, 0)"
    inner = (
        f"SELECT b.r_bill AS bill_id, b.r_unit AS unit_id, {building} AS building_id,"
        f" {community} AS community_id, b.r_office AS office_id, b.r_end AS period_end,"
        f" b.r_total AS total_cents, {sums['adjusted']} AS adjusted_cents, {sums['paid']} AS paid_cents,"
        f" {sums['refunded']} AS refunded_cents"
        f" FROM ({sql}) b{''.join(joins)}"
    )
    owed = "(i.total_cents + i.adjusted_cents - i.paid_cents + i.refunded_cents)"
    outer = (
        "SELECT i.bill_id, i.unit_id, i.building_id, i.community_id, i.office_id, i.period_end, i.total_cents,"
        f" CASE WHEN {owed} > 0 THEN {owed} ELSE 0 END AS owed_cents,"
        " i.total_cents + i.adjusted_cents AS receivable_cents,"
        " i.paid_cents - i.refunded_cents AS collected_cents"
        f" FROM ({inner}) i"
    )
    return outer, params


def owed_by_bill(scope: Scope) -> dict[int, Decimal]:
    """What each bill in scope still owes (for checks and small look-ups; the reports aggregate in SQL)."""
    if scope.is_empty:
        return {}
    sql, params = bill_figures_sql(scope)
    return {
        bill_id: from_cents(owed) for bill_id, owed in _fetch(f"SELECT f.bill_id, f.owed_cents FROM ({sql}) f", params)
    }


# 1. Arrears with aging (欠费账龄) ----------------------------------------------------------------------


@dataclass
class ArrearsRow:
    unit: Unit
    buckets: list[Decimal]
    total: Decimal


@dataclass
class ArrearsTotals:
    units: int = 0
    buckets: list[Decimal] = field(default_factory=lambda: [ZERO] * len(AGING_BUCKETS))
    total: Decimal = ZERO


ARREARS_ORDER = {"-total": "total DESC, unit_id", "total": "total ASC, unit_id"}


def _arrears_sql(scope: Scope, as_of: datetime.date, order: str, *, windowed: bool) -> tuple[str, list]:
    figures, params = bill_figures_sql(scope)
    # age = as_of − period_end in days; bucket k holds the bills whose age falls in AGING_BUCKETS[k].
    limits = [_date_param(as_of - datetime.timedelta(days=last)) for _label, _first, last in AGING_BUCKETS[:-1]]
    bucket = (
        "CASE " + " ".join(f"WHEN f.period_end >= %s THEN {k}" for k in range(len(limits))) + f" ELSE {len(limits)} END"
    )
    sums = [f"SUM(CASE WHEN a.bucket = {k} THEN a.owed_cents ELSE 0 END)" for k in range(len(AGING_BUCKETS))]
    columns = [f"{s} AS b{k}" for k, s in enumerate(sums)] + ["SUM(a.owed_cents) AS total"]
    if windowed:
        columns += ["COUNT(*) OVER () AS n_rows"]
        columns += [f"SUM({s}) OVER () AS t{k}" for k, s in enumerate(sums)] + ["SUM(SUM(a.owed_cents)) OVER ()"]
    sql = (
        f"SELECT a.unit_id, {', '.join(columns)}"
        f" FROM (SELECT f.unit_id, f.owed_cents, {bucket} AS bucket FROM ({figures}) f WHERE f.owed_cents > 0) a"
        f" GROUP BY a.unit_id ORDER BY {ARREARS_ORDER.get(order, ARREARS_ORDER['-total'])}"
    )
    # The bucket's parameters come before the figures' in the SQL text.
    return sql, limits + params


def _units_by_id(ids) -> dict[int, Unit]:
    return {unit.pk: unit for unit in Unit.objects.filter(pk__in=ids).select_related("building__community")}


def _arrears_rows(raw) -> list[ArrearsRow]:
    units = _units_by_id([row[0] for row in raw])
    n = len(AGING_BUCKETS)
    return [ArrearsRow(units[row[0]], [from_cents(c) for c in row[1 : n + 1]], from_cents(row[n + 1])) for row in raw]


def arrears_totals(scope: Scope, as_of: datetime.date) -> ArrearsTotals:
    if scope.is_empty:
        return ArrearsTotals()
    sql, params = _arrears_sql(scope, as_of, "-total", windowed=False)
    n = len(AGING_BUCKETS)
    sums = ", ".join([f"SUM(g.b{k})" for k in range(n)] + ["SUM(g.total)"])
    row = _fetch(f"SELECT COUNT(*), {sums} FROM ({sql}) g", params)[0]
    return ArrearsTotals(row[0], [from_cents(c) for c in row[1 : n + 1]], from_cents(row[n + 1]))


def arrears_page(
    scope: Scope, as_of: datetime.date, *, page: int = 1, order: str = "-total", per_page=PER_PAGE
) -> Page:
    """One page of the households that owe, with aging buckets; count and totals come with it (one query)."""
    if scope.is_empty:
        return Page([], 1, 0, ArrearsTotals(), per_page)
    sql, params = _arrears_sql(scope, as_of, order, windowed=True)
    limit_sql, limit_params = _limit(page, per_page)
    raw = _fetch(sql + limit_sql, params + limit_params)
    if not raw:
        totals = arrears_totals(scope, as_of)
        return Page([], page, totals.units, totals, per_page)
    n = len(AGING_BUCKETS)
    first = raw[0]
    totals = ArrearsTotals(
        first[n + 2], [from_cents(c) for c in first[n + 3 : 2 * n + 3]], from_cents(first[2 * n + 3])
    )
    return Page(_arrears_rows([row[: n + 2] for row in raw]), page, totals.units, totals, per_page)


def iter_arrears(scope: Scope, as_of: datetime.date, *, order: str = "-total") -> Iterator[ArrearsRow]:
    """Every row of the arrears report, in chunks (for exports)."""
    if scope.is_empty:
        return
    sql, params = _arrears_sql(scope, as_of, order, windowed=False)
    for chunk in _fetch_chunks(sql, params):
        yield from _arrears_rows(chunk)


# 2. Collection rate (收缴率) ---------------------------------------------------------------------------


@dataclass
class CollectionRow:
    label: str
    receivable: Decimal
    collected: Decimal
    rate: Decimal | None
    office: str = ""


@dataclass
class CollectionTotals:
    groups: int = 0
    receivable: Decimal = ZERO
    collected: Decimal = ZERO

    @property
    def rate(self) -> Decimal | None:
        return percent(int(self.collected * 100), int(self.receivable * 100))


COLLECTION_GROUPS = ("office", "community", "building", "item")


def _collection_sql(scope: Scope, group: str, order: str, *, windowed: bool) -> tuple[str, list]:
    figures, params = bill_figures_sql(scope, place=group in ("community", "building"))
    if group == "item":
        # Adjustments and collections spread over a bill's lines in proportion to the line amounts, rounded
        # half up to the cent per line (so an item's figures may be a cent per bill off the bills' own).
        lines = _compile(
            BillLine.objects.filter(scope.bill_q("bill__", cheap=True))
            .order_by()
            .values(r_bill=F("bill_id"), r_item=F("item_id"), r_amount=_cents("amount"))
        )
        share = "CAST(ROUND(f.{col} * l.r_amount * 1.0 / f.total_cents) AS BIGINT)"
        source = (
            f"SELECT l.r_item AS group_id, {share.format(col='receivable_cents')} AS receivable_cents,"
            f" {share.format(col='collected_cents')} AS collected_cents"
            f" FROM ({figures}) f JOIN ({lines[0]}) l ON l.r_bill = f.bill_id WHERE f.total_cents <> 0"
        )
        params += lines[1]
    else:
        source = f"SELECT f.{group}_id AS group_id, f.receivable_cents, f.collected_cents FROM ({figures}) f"
    columns = ["s.group_id", "SUM(s.receivable_cents) AS receivable", "SUM(s.collected_cents) AS collected"]
    if windowed:
        columns += [
            "COUNT(*) OVER () AS n_rows",
            "SUM(SUM(s.receivable_cents)) OVER () AS t_receivable",
            "SUM(SUM(s.collected_cents)) OVER () AS t_collected",
        ]
    grouped = f"SELECT {', '.join(columns)} FROM ({source}) s GROUP BY s.group_id"
    office, community, building, item = (_table(m) for m in (Office, Community, Building, ChargeItem))
    label_joins = {
        "office": (f" JOIN {office} o ON o.id = g.group_id", "o.name", "''"),
        "community": (f" JOIN {community} c ON c.id = g.group_id", "c.name", "''"),
        "building": (
            f" JOIN {building} bd ON bd.id = g.group_id JOIN {community} c ON c.id = bd.community_id",
            "c.name, bd.name",
            "''",
        ),
        "item": (
            f" JOIN {item} it ON it.id = g.group_id JOIN {office} o ON o.id = it.office_id",
            "it.name, o.name",
            "o.name",
        ),
    }
    join, names, office_name = label_joins[group]
    label = {"building": "c.name || ' · ' || bd.name"}.get(group, names)
    rate = "CASE WHEN g.receivable = 0 THEN NULL ELSE g.collected * 1.0 / g.receivable END"
    order_by = {"rate": f"{rate} ASC, {names}, g.group_id", "-rate": f"{rate} DESC, {names}, g.group_id"}.get(
        order, f"{names}, g.group_id"
    )
    sql = f"SELECT g.*, {label} AS label, {office_name} AS office_name FROM ({grouped}) g{join} ORDER BY {order_by}"
    return sql, params


def _collection_rows(raw, label_at: int) -> list[CollectionRow]:
    rows = []
    for row in raw:
        receivable, collected = row[1], row[2]
        rows.append(
            CollectionRow(
                row[label_at],
                from_cents(receivable),
                from_cents(collected),
                percent(collected, receivable),
                row[label_at + 1],
            )
        )
    return rows


def collection_totals(scope: Scope, group: str = "office") -> CollectionTotals:
    if scope.is_empty:
        return CollectionTotals()
    sql, params = _collection_sql(scope, group, "", windowed=False)
    row = _fetch(f"SELECT COUNT(*), SUM(t.receivable), SUM(t.collected) FROM ({sql}) t", params)[0]
    return CollectionTotals(row[0], from_cents(row[1]), from_cents(row[2]))


def collection_page(scope: Scope, group: str, *, page: int = 1, order: str = "", per_page=PER_PAGE) -> Page:
    """One page of receivable, collected and rate per office, community, building or charge item."""
    if group not in COLLECTION_GROUPS:
        raise ValueError(f"Unknown grouping {group!r}.")
    if scope.is_empty:
        return Page([], 1, 0, CollectionTotals(), per_page)
    sql, params = _collection_sql(scope, group, order, windowed=True)
    limit_sql, limit_params = _limit(page, per_page)
    raw = _fetch(sql + limit_sql, params + limit_params)
    if not raw:
        totals = collection_totals(scope, group)
        return Page([], page, totals.groups, totals, per_page)
    first = raw[0]
    totals = CollectionTotals(first[3], from_cents(first[4]), from_cents(first[5]))
    return Page(_collection_rows(raw, 6), page, totals.groups, totals, per_page)


def iter_collection(scope: Scope, group: str, *, order: str = "") -> Iterator[CollectionRow]:
    if group not in COLLECTION_GROUPS:
        raise ValueError(f"Unknown grouping {group!r}.")
    if scope.is_empty:
        return
    sql, params = _collection_sql(scope, group, order, windowed=False)
    for chunk in _fetch_chunks(sql, params):
        yield from _collection_rows(chunk, 3)


# 3. Prepayment (预交款) and deposit (押金) balances -----------------------------------------------------


@dataclass
class BalanceRow:
    unit: Unit
    amount: Decimal
    kind: str = ""


@dataclass
class BalanceTotals:
    rows: int = 0
    amount: Decimal = ZERO


def _prepayments(scope: Scope):
    """Household accounts with a negative balance (paid ahead), as positive amounts, largest first."""
    return (
        Entry.objects.filter(scope.office_filter("account__office_id"), scope.unit_q("account__unit__"))
        .filter(account__kind=AccountKind.HOUSEHOLD)
        .order_by()
        .values("account__unit_id")
        .annotate(cents=sum_in_cents())
        .filter(cents__lt=0)
        .order_by("cents", "account__unit_id")
    )


def _balance_page(queryset, unit_key, make_row, page, per_page) -> Page:
    sql, params = _compile(queryset.order_by())
    count, cents = _fetch(f"SELECT COUNT(*), SUM(t.cents) FROM ({sql}) t", params)[0]
    totals = {"rows": count, "cents": cents}
    start = (max(1, page) - 1) * per_page
    raw = list(queryset[start : start + per_page])
    units = _units_by_id([row[unit_key] for row in raw])
    rows = [make_row(units[row[unit_key]], row) for row in raw]
    return Page(rows, page, totals["rows"], BalanceTotals(totals["rows"], abs(from_cents(totals["cents"]))), per_page)


def _iter_balances(queryset, unit_key, make_row) -> Iterator[BalanceRow]:
    chunk = []
    for row in queryset.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            units = _units_by_id([r[unit_key] for r in chunk])
            yield from (make_row(units[r[unit_key]], r) for r in chunk)
            chunk = []
    units = _units_by_id([r[unit_key] for r in chunk])
    yield from (make_row(units[r[unit_key]], r) for r in chunk)


def _prepayment_row(unit, row) -> BalanceRow:
    return BalanceRow(unit, -from_cents(row["cents"]))


def prepayments_page(scope: Scope, *, page: int = 1, per_page=PER_PAGE) -> Page:
    if scope.is_empty:
        return Page([], 1, 0, BalanceTotals(), per_page)
    return _balance_page(_prepayments(scope), "account__unit_id", _prepayment_row, page, per_page)


def iter_prepayments(scope: Scope) -> Iterator[BalanceRow]:
    if scope.is_empty:
        return iter(())
    return _iter_balances(_prepayments(scope), "account__unit_id", _prepayment_row)


def deposits_available() -> bool:
    return deposit_model() is not None


def _deposits(scope: Scope):
    """Deposits still held, per unit and kind, largest first."""
    Deposit = deposit_model()
    return (
        Deposit.objects.filter(scope.office_filter("office_id"), scope.unit_q("unit__"), status="held")
        .order_by()
        .values("unit_id", "kind")
        .annotate(cents=sum_in_cents())
        .order_by("-cents", "unit_id", "kind")
    )


def _deposit_row(unit, row) -> BalanceRow:
    kinds = dict(deposit_model().Kind.choices) if hasattr(deposit_model(), "Kind") else {}
    return BalanceRow(unit, from_cents(row["cents"]), str(kinds.get(row["kind"], row["kind"])))


def deposits_page(scope: Scope, *, page: int = 1, per_page=PER_PAGE) -> Page:
    if scope.is_empty or not deposits_available():
        return Page([], 1, 0, BalanceTotals(), per_page)
    return _balance_page(_deposits(scope), "unit_id", _deposit_row, page, per_page)


def iter_deposits(scope: Scope) -> Iterator[BalanceRow]:
    if scope.is_empty or not deposits_available():
        return iter(())
    return _iter_balances(_deposits(scope), "unit_id", _deposit_row)


# 4. Daily cash report (收款日报) -----------------------------------------------------------------------


@dataclass
class CashReport:
    payments: list
    by_method: list[tuple[str, int, Decimal]]
    by_clerk: list[tuple[str, int, Decimal]]
    collected: Decimal
    refunds: list
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.collected - self.refunded


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))
    return start, end


def daily_cash(office_id: int, day: datetime.date) -> CashReport:
    """Succeeded payments of one office on one local day, by method and by clerk; the day's refunds netted.

    Online payments are grouped under no clerk: the resident paid them, nobody at the desk took them.
    """
    start, end = day_bounds(day)
    payments = Payment.objects.filter(
        office_id=office_id, status=Payment.Status.SUCCEEDED, succeeded_at__gte=start, succeeded_at__lt=end
    )
    rows = list(payments.select_related("unit__building__community", "created_by").order_by("succeeded_at", "pk"))
    methods = dict(Payment.Method.choices)
    by_method = [
        (str(methods.get(r["method"], r["method"])), r["n"], from_cents(r["cents"]))
        for r in payments.order_by().values("method").annotate(n=Count("pk"), cents=sum_in_cents()).order_by("method")
    ]
    clerk_key = Case(When(method=Payment.Method.ONLINE, then=Value(None)), default=F("created_by_id"))
    clerk_rows = (
        payments.order_by().annotate(clerk=clerk_key).values("clerk").annotate(n=Count("pk"), cents=sum_in_cents())
    )
    names = {p.created_by_id: str(p.created_by) for p in rows if p.created_by_id}
    by_clerk = sorted(
        ((names.get(r["clerk"], "") if r["clerk"] else "", r["n"], from_cents(r["cents"])) for r in clerk_rows),
        key=lambda item: (item[0] == "", item[0]),
    )
    collected = from_cents(payments.aggregate(cents=sum_in_cents())["cents"])
    refunds, refunded = [], ZERO
    if (Refund := refund_model()) is not None:
        refund_qs = Refund.objects.filter(
            payment__office_id=office_id, status=SUCCEEDED, decided_at__gte=start, decided_at__lt=end
        )
        refunds = list(refund_qs.select_related("payment__unit__building__community").order_by("decided_at", "pk"))
        refunded = from_cents(refund_qs.aggregate(cents=sum_in_cents())["cents"])
    return CashReport(rows, by_method, by_clerk, collected, refunds, refunded)


# 5. Voucher export (凭证导出) --------------------------------------------------------------------------

# A stable chart-of-accounts code per ledger account kind (PRC small-enterprise chart); income per charge item.
ACCOUNT_CODES = {
    AccountKind.CASH: "1001",
    AccountKind.STRIPE_CLEARING: "1012",
    AccountKind.HOUSEHOLD: "1122",
    AccountKind.DEVELOPER: "1122",
    AccountKind.MERCHANT_PAYABLE: "2202",
    AccountKind.TEACHER_PAYABLE: "2202",
    AccountKind.PREPAYMENT: "2203",
    AccountKind.DEPOSITS_HELD: "2241",
    AccountKind.INCOME: "6001",
    AccountKind.PLATFORM_COMMISSION: "6051",
}
UNKNOWN_ACCOUNT_CODE = "9999"


def account_code(account: Account) -> str:
    code = ACCOUNT_CODES.get(account.kind, UNKNOWN_ACCOUNT_CODE)
    if account.kind == AccountKind.INCOME and account.charge_code:
        return f"{code}-{account.charge_code}"
    return code


def account_auxiliary(account: Account) -> str:
    """The auxiliary accounting item (辅助核算): the unit of a household, the office of a developer account."""
    if account.kind == AccountKind.HOUSEHOLD and account.unit_id:
        return str(account.unit)
    if account.kind == AccountKind.DEVELOPER:
        return (
            f"{AccountKind.DEVELOPER.label}: {account.office}"
            if account.office_id
            else str(AccountKind.DEVELOPER.label)
        )
    return ""


@dataclass
class VoucherRow:
    date: datetime.date
    posting_id: int
    key: str
    memo: str
    code: str
    account: str
    auxiliary: str
    debit: Decimal
    credit: Decimal


def voucher_entries(scope: Scope, date_from: datetime.date, date_to: datetime.date):
    start, end = day_bounds(date_from)[0], day_bounds(date_to)[1]
    return (
        Entry.objects.filter(scope.office_filter("posting__office_id"))
        .filter(posting__created_at__gte=start, posting__created_at__lt=end)
        .select_related("posting", "account__unit__building__community", "account__office")
        .order_by("posting__created_at", "posting_id", "id")
    )


def voucher_row(entry: Entry) -> VoucherRow:
    posting, account = entry.posting, entry.account
    return VoucherRow(
        date=timezone.localtime(posting.created_at).date(),
        posting_id=posting.pk,
        key=posting.idempotency_key,
        memo=posting.memo,
        code=account_code(account),
        account=account.name,
        auxiliary=account_auxiliary(account),
        debit=entry.amount if entry.amount > 0 else ZERO,
        credit=-entry.amount if entry.amount < 0 else ZERO,
    )


def voucher_totals(scope: Scope, date_from, date_to) -> tuple[int, Decimal, Decimal]:
    """(entries, Σ debit, Σ credit) of the range."""
    if scope.is_empty:
        return 0, ZERO, ZERO
    entries = voucher_entries(scope, date_from, date_to).order_by()
    debit = Case(When(amount__gt=0, then=F("amount")), default=Value(Decimal(0)))
    credit = Case(When(amount__lt=0, then=-F("amount")), default=Value(Decimal(0)))
    sums = entries.annotate(r_debit=debit, r_credit=credit).aggregate(
        n=Count("pk"), debit=sum_in_cents("r_debit"), credit=sum_in_cents("r_credit")
    )
    return sums["n"], from_cents(sums["debit"]), from_cents(sums["credit"])


def voucher_page(scope: Scope, date_from, date_to, *, page: int = 1, per_page=PER_PAGE) -> Page:
    if scope.is_empty:
        return Page([], 1, 0, (0, ZERO, ZERO), per_page)
    totals = voucher_totals(scope, date_from, date_to)
    start = (max(1, page) - 1) * per_page
    rows = [voucher_row(e) for e in voucher_entries(scope, date_from, date_to)[start : start + per_page]]
    return Page(rows, page, totals[0], totals, per_page)


def iter_vouchers(scope: Scope, date_from, date_to) -> Iterator[VoucherRow]:
    if scope.is_empty:
        return iter(())
    return (voucher_row(e) for e in voucher_entries(scope, date_from, date_to).iterator(chunk_size=CHUNK))

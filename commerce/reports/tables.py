"""Each report as columns, rows and a totals row: the one shape the screen, the CSV and the XLSX all show."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import queries
from .queries import ZERO

TEXT, MONEY, PERCENT, COUNT = "text", "money", "percent", "count"


@dataclass
class Column:
    label: str
    kind: str = TEXT


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: Iterable[list]
    totals: list | None = None
    # When rows are generated (exports), totals may only be known after them: a callable then.
    totals_after: object = None
    extra: dict = field(default_factory=dict)

    def totals_row(self):
        return self.totals_after() if callable(self.totals_after) else self.totals


def _unit_cells(unit) -> list[str]:
    return [unit.building.community.name, unit.building.name, unit.number]


UNIT_COLUMNS = [Column(_("Community")), Column(_("Building")), Column(_("Unit"))]
TOTAL = pgettext_lazy("report totals row", "Total")


# 1. Arrears ------------------------------------------------------------------------------------------------


def arrears_columns() -> list[Column]:
    buckets = [Column(_("%(days)s days") % {"days": label}, MONEY) for label, _first, _last in queries.AGING_BUCKETS]
    return [*UNIT_COLUMNS, *buckets, Column(_("Total owed"), MONEY)]


def arrears_cells(row: queries.ArrearsRow) -> list:
    return [*_unit_cells(row.unit), *row.buckets, row.total]


def arrears_totals_cells(totals: queries.ArrearsTotals) -> list:
    return [TOTAL, "", _("%(count)s households") % {"count": totals.units}, *totals.buckets, totals.total]


def arrears_table(rows: Iterable[queries.ArrearsRow], totals: queries.ArrearsTotals | None = None) -> Table:
    title = _("Arrears with aging")
    if totals is not None:
        return Table(title, arrears_columns(), [arrears_cells(r) for r in rows], arrears_totals_cells(totals))
    running = queries.ArrearsTotals()

    def generate() -> Iterator[list]:
        for row in rows:
            running.units += 1
            running.buckets = [a + b for a, b in zip(running.buckets, row.buckets, strict=True)]
            running.total += row.total
            yield arrears_cells(row)

    return Table(title, arrears_columns(), generate(), totals_after=lambda: arrears_totals_cells(running))


# 2. Collection rate ---------------------------------------------------------------------------------------

GROUP_LABELS = {
    "office": _("Office"),
    "community": _("Community"),
    "building": _("Building"),
    "item": _("Charge item"),
}


def collection_columns(group: str) -> list[Column]:
    columns = [Column(GROUP_LABELS[group])]
    if group == "item":
        columns.append(Column(_("Office")))
    money = [Column(_("Receivable"), MONEY), Column(_("Collected"), MONEY)]
    return [*columns, *money, Column(_("Collection rate %"), PERCENT)]


def collection_cells(group: str, row: queries.CollectionRow) -> list:
    label = [row.label, row.office] if group == "item" else [row.label]
    return [*label, row.receivable, row.collected, row.rate]


def collection_totals_cells(group: str, totals: queries.CollectionTotals) -> list:
    pad = ["", ""] if group == "item" else [""]
    pad[0] = TOTAL
    return [*pad, totals.receivable, totals.collected, totals.rate]


def collection_table(group: str, rows, totals: queries.CollectionTotals | None = None) -> Table:
    title = _("Collection rate")
    if totals is not None:
        return Table(
            title,
            collection_columns(group),
            [collection_cells(group, r) for r in rows],
            collection_totals_cells(group, totals),
        )
    running = queries.CollectionTotals()

    def generate():
        for row in rows:
            running.groups += 1
            running.receivable += row.receivable
            running.collected += row.collected
            yield collection_cells(group, row)

    return Table(
        title, collection_columns(group), generate(), totals_after=lambda: collection_totals_cells(group, running)
    )


# 3. Prepayments and deposits ------------------------------------------------------------------------------


def _balance_table(title, columns, cells, rows, totals):
    def totals_cells(t: queries.BalanceTotals):
        return [TOTAL, "", _("%(count)s rows") % {"count": t.rows}, *[""] * (len(columns) - 4), t.amount]

    if totals is not None:
        return Table(title, columns, [cells(r) for r in rows], totals_cells(totals))
    running = queries.BalanceTotals()

    def generate():
        for row in rows:
            running.rows += 1
            running.amount += row.amount
            yield cells(row)

    return Table(title, columns, generate(), totals_after=lambda: totals_cells(running))


def prepayments_table(rows, totals=None) -> Table:
    return _balance_table(
        _("Prepayment balances"),
        [*UNIT_COLUMNS, Column(_("Paid ahead"), MONEY)],
        lambda r: [*_unit_cells(r.unit), r.amount],
        rows,
        totals,
    )


def deposits_table(rows, totals=None) -> Table:
    return _balance_table(
        _("Deposit balances"),
        [*UNIT_COLUMNS, Column(_("Kind")), Column(_("Held"), MONEY)],
        lambda r: [*_unit_cells(r.unit), r.kind, r.amount],
        rows,
        totals,
    )


# 4. Daily cash report -------------------------------------------------------------------------------------


def cash_tables(report: queries.CashReport) -> list[Table]:
    from django.utils import timezone

    payments = Table(
        _("Payments"),
        [
            Column(_("Time")),
            Column(_("Receipt number")),
            Column(_("Unit")),
            Column(_("Method")),
            Column(_("Clerk")),
            Column(_("Amount"), MONEY),
        ],
        [
            [
                f"{timezone.localtime(p.succeeded_at):%H:%M}",
                p.receipt_number,
                str(p.unit),
                p.get_method_display(),
                _clerk_name(p),
                p.amount,
            ]
            for p in report.payments
        ],
        [TOTAL, "", "", "", "", report.collected],
    )
    summary_columns = [Column(""), Column(_("Payments"), COUNT), Column(_("Amount"), MONEY)]
    by_method = Table(
        _("By method"),
        [Column(_("Method")), *summary_columns[1:]],
        [[label, n, amount] for label, n, amount in report.by_method],
        [TOTAL, len(report.payments), report.collected],
    )
    by_clerk = Table(
        _("By clerk"),
        [Column(_("Clerk")), *summary_columns[1:]],
        [[label or _("Online (paid by residents)"), n, amount] for label, n, amount in report.by_clerk],
        [TOTAL, len(report.payments), report.collected],
    )
    refunds = Table(
        _("Refunds of the day"),
        [Column(_("Time")), Column(_("Receipt number")), Column(_("Unit")), Column(_("Amount"), MONEY)],
        [
            [
                f"{timezone.localtime(r.decided_at):%H:%M}" if r.decided_at else "",
                r.payment.receipt_number,
                str(r.payment.unit),
                r.amount,
            ]
            for r in report.refunds
        ],
        [TOTAL, "", "", report.refunded],
    )
    net = Table(
        _("Net takings"),
        [Column(""), Column(_("Amount"), MONEY)],
        [[_("Collected"), report.collected], [_("Refunded"), -report.refunded]],
        [_("Net"), report.net],
    )
    return [payments, by_method, by_clerk, refunds, net]


def _clerk_name(payment) -> str:
    if payment.method == "online":
        return str(_("Online (paid by residents)"))
    return str(payment.created_by) if payment.created_by_id else ""


# 5. Vouchers ----------------------------------------------------------------------------------------------


def voucher_columns() -> list[Column]:
    return [
        Column(_("Date")),
        Column(_("Posting")),
        Column(_("Posting key")),
        Column(_("Memo")),
        Column(_("Account code")),
        Column(_("Account")),
        Column(_("Auxiliary")),
        Column(_("Debit"), MONEY),
        Column(_("Credit"), MONEY),
    ]


def voucher_cells(row: queries.VoucherRow) -> list:
    return [
        row.date.isoformat(),
        row.posting_id,
        row.key,
        row.memo,
        row.code,
        row.account,
        row.auxiliary,
        row.debit,
        row.credit,
    ]


def voucher_table(rows, totals=None) -> Table:
    def totals_cells(n, debit, credit):
        return [TOTAL, "", "", _("%(count)s entries") % {"count": n}, "", "", "", debit, credit]

    if totals is not None:
        return Table(_("Vouchers"), voucher_columns(), [voucher_cells(r) for r in rows], totals_cells(*totals))
    running = {"n": 0, "debit": ZERO, "credit": ZERO}

    def generate():
        for row in rows:
            running["n"] += 1
            running["debit"] += row.debit
            running["credit"] += row.credit
            yield voucher_cells(row)

    return Table(
        _("Vouchers"),
        voucher_columns(),
        generate(),
        totals_after=lambda: totals_cells(running["n"], running["debit"], running["credit"]),
    )


def as_text(value) -> str:
    """A cell for CSV: amounts with 2 places, nothing for no value."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)

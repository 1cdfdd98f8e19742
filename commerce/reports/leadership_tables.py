"""The leadership report as sections: a table (the one shape screen, CSV and XLSX share) and its chart's data.

A chart is a plain dict for Chart.js, read from a ``json_script`` tag: labels, datasets of numbers
(as strings, so no float ever touches an amount here) and whether the axis is a percentage.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import leadership as lq
from .queries import AGING_BUCKETS
from .tables import COUNT, MONEY, PERCENT, TOTAL, Column, Table

CHILD_LABELS = {
    "office": pgettext_lazy("leadership report", "Office"),
    "community": pgettext_lazy("leadership report", "Community"),
    "building": pgettext_lazy("leadership report", "Building"),
}
NO_PLACE = {
    "office": _("No office"),
    "community": _("Not tied to a community"),
    "building": _("Public areas, no building"),
}


TITLES = {
    "fees": {"office": _("Fees by office"), "community": _("Fees by community"), "building": _("Fees by building")},
    "workorders": {
        "office": _("Work orders by office"),
        "community": _("Work orders by community"),
        "building": _("Work orders by building"),
    },
    "sales": {
        "office": _("Services and marketplace by office"),
        "community": _("Services and marketplace by community"),
        "building": _("Services and marketplace by building"),
    },
}


@dataclass
class Section:
    key: str
    table: Table
    chart: dict | None = None
    note: str = ""
    links: list = field(default_factory=list)  # per row: the drill-down URL or ""
    downloads: list = field(default_factory=list)

    @property
    def linked_rows(self) -> list[tuple[str, list]]:
        return list(zip(self.links, self.table.rows, strict=True))


def _num(value) -> str | None:
    return None if value is None else str(value)


def _chart(kind: str, labels, datasets, *, percent=False, stacked=False, horizontal=False) -> dict:
    return {
        "type": kind,
        "labels": [str(label) for label in labels],
        "datasets": [{"label": str(label), "data": [_num(v) for v in values]} for label, values in datasets],
        "percent": percent,
        "stacked": stacked,
        "horizontal": horizontal,
    }


def _name(child) -> str:
    return child.name


@dataclass
class Report:
    level: lq.Level
    period: object  # leadership_forms.Period
    today: datetime.date
    link: Callable  # child → URL of its level, or "" at the bottom
    total_label: str = str(TOTAL)

    def sections(self) -> list[Section]:
        self.children = self.level.children()
        start, end = self.period.bounds
        as_of = min(end, self.today)
        return [
            self.fees(lq.fees_by_child(self.level, start, end), lq.prepaid_by_child(self.level, as_of)),
            self.items(lq.fees_by_item(self.level, start, end)),
            self.trend(lq.collection_trend(self.level, min(end, self.today))),
            self.aging(lq.aging_by_child(self.level, self.today)),
            self.work_orders(lq.work_orders_by_child(self.level, start, end)),
            self.kinds(lq.work_orders_by_kind(self.level, start, end)),
            self.clubhouse(lq.clubhouse_utilisation(self.level, start, end)),
            self.sales(lq.sales_by_child(self.level, start, end)),
        ]

    # Rows per child, in the children's order, then those not tied to any (key None) ----------------------

    def _rows(self, figures: dict, empty):
        rows = [(_name(child), self.link(child), figures.get(child.pk, empty)) for child in self.children]
        known = {child.pk for child in self.children}
        for key, value in figures.items():
            if key not in known:
                rows.append((str(NO_PLACE[self.level.child]), "", value))
        return rows

    @property
    def child_column(self) -> Column:
        return Column(CHILD_LABELS[self.level.child])

    def _table(self, key, title, columns, rows, totals, chart=None, note="") -> Section:
        table = Table(title, columns, [cells for _label, _link, cells in rows], totals)
        return Section(key, table, chart, note, [link for _label, link, _cells in rows])

    # 1. Fees by child ----------------------------------------------------------------------------------

    def fees(self, fees: dict, prepaid: dict) -> Section:
        keys = {c.pk for c in self.children} | set(fees) | set(prepaid)
        merged = {k: (fees.get(k, lq.Fees()), prepaid.get(k, lq.Prepaid())) for k in keys}
        rows = [
            (label, link, [label, f.receivable, f.collected, f.outstanding, f.rate, p.households, p.amount])
            for label, link, (f, p) in self._rows(merged, (lq.Fees(), lq.Prepaid()))
        ]
        total = sum((f for f, _p in merged.values()), lq.Fees())
        total_prepaid = lq.Prepaid(
            sum(p.households for _f, p in merged.values()), sum((p.amount for _f, p in merged.values()), lq.ZERO)
        )
        columns = [
            self.child_column,
            Column(_("Receivable"), MONEY),
            Column(_("Collected"), MONEY),
            Column(_("Outstanding"), MONEY),
            Column(_("Collection rate %"), PERCENT),
            Column(_("Households paid ahead"), COUNT),
            Column(_("Prepaid"), MONEY),
        ]
        totals = [
            self.total_label,
            total.receivable,
            total.collected,
            total.outstanding,
            total.rate,
            total_prepaid.households,
            total_prepaid.amount,
        ]
        chart = _chart(
            "bar",
            [r[0] for r in rows],
            [(_("Receivable"), [r[2][1] for r in rows]), (_("Collected"), [r[2][2] for r in rows])],
        )
        title = TITLES["fees"][self.level.child]
        note = _(
            "Bills issued for the period (their billing period starts in it), with late fees and waivers; collected: "
            "payments allocated to them, less refunds, up to now. Prepaid: households whose account stood in credit "
            "at the end of the period."
        )
        return self._table("fees", title, columns, rows, totals, chart, note)

    # 2. By charge item -----------------------------------------------------------------------------------

    def items(self, items: list) -> Section:
        rows = [(name, "", [name, f.receivable, f.collected, f.outstanding, f.rate]) for name, f in items]
        total = sum((f for _n, f in items), lq.Fees())
        columns = [
            Column(_("Charge item")),
            Column(_("Receivable"), MONEY),
            Column(_("Collected"), MONEY),
            Column(_("Outstanding"), MONEY),
            Column(_("Collection rate %"), PERCENT),
        ]
        chart = _chart(
            "bar",
            [r[0] for r in rows],
            [
                (_("Collected"), [r[2][2] for r in rows]),
                (_("Outstanding"), [r[2][3] for r in rows]),
            ],
            stacked=True,
        )
        note = _(
            "A bill's figures spread over its lines in proportion to their amounts, rounded to the cent per line, so "
            "the sum may differ by a few cents from the table above. Prepayments belong to no charge item."
        )
        totals = [self.total_label, total.receivable, total.collected, total.outstanding, total.rate]
        return self._table("items", _("Fees by charge item"), columns, rows, totals, chart, note)

    # 3. Collection-rate trend ----------------------------------------------------------------------------

    def trend(self, points: list) -> Section:
        rows = [
            (f"{p.month:%Y-%m}", "", [f"{p.month:%Y-%m}", p.fees.receivable, p.fees.collected, p.fees.rate])
            for p in points
        ]
        columns = [
            Column(_("Month")),
            Column(_("Receivable"), MONEY),
            Column(_("Collected"), MONEY),
            Column(_("Collection rate %"), PERCENT),
        ]
        total = sum((p.fees for p in points), lq.Fees())
        chart = _chart("line", [r[0] for r in rows], [(_("Collection rate %"), [r[2][3] for r in rows])], percent=True)
        note = _("Bills of each month, and what has been collected on them up to now.")
        totals = [self.total_label, total.receivable, total.collected, total.rate]
        return self._table("trend", _("Collection rate, last 12 months"), columns, rows, totals, chart, note)

    # 4. Arrears aging ------------------------------------------------------------------------------------

    def aging(self, aging: dict) -> Section:
        rows = [
            (label, link, [label, a.households, *a.buckets, a.total])
            for label, link, a in self._rows(aging, lq.Aging())
        ]
        total = sum(aging.values(), lq.Aging())
        buckets = [_("%(days)s days") % {"days": label} for label, _first, _last in AGING_BUCKETS]
        columns = [
            self.child_column,
            Column(_("Households owing"), COUNT),
            *[Column(b, MONEY) for b in buckets],
            Column(_("Total owed"), MONEY),
        ]
        chart = _chart("bar", buckets, [(_("Owed"), total.buckets)])
        note = _(
            "What issued bills still owe today, by days since the end of their billing period (every period, "
            "every payer)."
        )
        totals = [self.total_label, total.households, *total.buckets, total.total]
        return self._table("aging", _("Arrears by age, today"), columns, rows, totals, chart, note)

    # 5. Work orders --------------------------------------------------------------------------------------

    def work_orders(self, orders: dict) -> Section:
        rows = [
            (
                label,
                link,
                [
                    label,
                    w.received,
                    w.timely_dispatch,
                    w.finished,
                    w.finished_in_time,
                    w.rated,
                    w.average_rating,
                    w.visited,
                    w.visit_satisfaction,
                ],
            )
            for label, link, w in self._rows(orders, lq.WorkOrders())
        ]
        w = sum(orders.values(), lq.WorkOrders())
        columns = [
            self.child_column,
            Column(_("Received"), COUNT),
            Column(_("Dispatched in time %"), PERCENT),
            Column(_("Finished"), COUNT),
            Column(_("Finished by the promised time %"), PERCENT),
            Column(_("Rated"), COUNT),
            Column(_("Average rating (1–5)"), COUNT),
            Column(_("Return visits"), COUNT),
            Column(_("Satisfied on return visit %"), PERCENT),
        ]
        totals = [
            self.total_label,
            w.received,
            w.timely_dispatch,
            w.finished,
            w.finished_in_time,
            w.rated,
            w.average_rating,
            w.visited,
            w.visit_satisfaction,
        ]
        chart = _chart(
            "bar",
            [r[0] for r in rows],
            [
                (_("Dispatched in time %"), [r[2][2] for r in rows]),
                (_("Finished by the promised time %"), [r[2][4] for r in rows]),
            ],
            percent=True,
        )
        title = TITLES["workorders"][self.level.child]
        note = _(
            "Repairs, complaints, suggestions and enquiries received in the period. In time: dispatched within the "
            "office's dispatch clock; finished by the time promised to the resident. Return visits: the answer at "
            "the last one."
        )
        return self._table("workorders", title, columns, rows, totals, chart, note)

    def kinds(self, counts: dict) -> Section:
        from portal.workorders.models import WorkOrder

        kinds = WorkOrder.Kind.choices
        rows = []
        for category, category_label in WorkOrder.Category.choices:
            values = [counts.get((kind, category), 0) for kind, _label in kinds]
            if any(values):
                rows.append((str(category_label), "", [str(category_label), *values, sum(values)]))
        columns = [Column(_("Category")), *[Column(label, COUNT) for _kind, label in kinds], Column(TOTAL, COUNT)]
        by_kind = [sum(n for (k, _c), n in counts.items() if k == kind) for kind, _label in kinds]
        totals = [self.total_label, *by_kind, sum(by_kind)]
        chart = _chart(
            "bar",
            [r[0] for r in rows],
            [(label, [r[2][1 + i] for r in rows]) for i, (_kind, label) in enumerate(kinds)],
            stacked=True,
        )
        return self._table("kinds", _("Work orders by kind and category"), columns, rows, totals, chart)

    # 6. Clubhouse ----------------------------------------------------------------------------------------

    def clubhouse(self, rows_in: list) -> Section:
        rows = [
            (
                u.facility.name,
                "",
                [u.facility.community.name, u.facility.name, u.open_hours, u.booked_hours, u.rate],
            )
            for u in rows_in
        ]
        open_hours = sum((u.open_hours for u in rows_in), lq.ZERO)
        booked = sum((u.booked_hours for u in rows_in), lq.ZERO)
        overall = lq.Utilisation(None, open_hours, booked).rate
        columns = [
            Column(pgettext_lazy("leadership report", "Community")),
            Column(_("Facility")),
            Column(_("Open hours"), COUNT),
            Column(_("Booked hours"), COUNT),
            Column(_("Utilisation %"), PERCENT),
        ]
        chart = _chart(
            "bar",
            [f"{u.facility.community.name} · {u.facility.name}" for u in rows_in],
            [(_("Utilisation %"), [u.rate for u in rows_in])],
            percent=True,
            horizontal=True,
        )
        note = _(
            "Booked hours: places held by confirmed, checked-in and no-show bookings as a share of the facility's "
            "places, times the slot length. Open hours: whole slots within the opening hours, less closures."
        )
        if self.level.kind == "building":
            note = _("Clubhouse facilities belong to the community: these are the community's.") + " " + note
        totals = [self.total_label, "", open_hours, booked, overall]
        return self._table("clubhouse", _("Clubhouse utilisation"), columns, rows, totals, chart, note)

    # 7. Services and marketplace -------------------------------------------------------------------------

    def sales(self, sales: dict) -> Section:
        rows = [
            (label, link, [label, s.service_orders, s.service_gmv, s.market_orders, s.market_gmv, s.gmv, s.commission])
            for label, link, s in self._rows(sales, lq.Sales())
        ]
        t = sum(sales.values(), lq.Sales())
        columns = [
            self.child_column,
            Column(_("Service orders"), COUNT),
            Column(_("Services GMV"), MONEY),
            Column(_("Marketplace orders"), COUNT),
            Column(_("Marketplace GMV"), MONEY),
            Column(_("GMV"), MONEY),
            Column(_("Platform commission"), MONEY),
        ]
        totals = [self.total_label, t.service_orders, t.service_gmv, t.market_orders, t.market_gmv, t.gmv, t.commission]
        chart = _chart(
            "bar",
            [r[0] for r in rows],
            [(_("Services GMV"), [r[2][2] for r in rows]), (_("Marketplace GMV"), [r[2][4] for r in rows])],
            stacked=True,
        )
        title = TITLES["sales"][self.level.child]
        note = _(
            "Services: orders placed in the period and confirmed, at their price, plus what was kept on late "
            "cancellations. Marketplace: orders paid in the period and not cancelled; the platform's commission "
            "on those completed."
        )
        return self._table("sales", title, columns, rows, totals, chart, note)

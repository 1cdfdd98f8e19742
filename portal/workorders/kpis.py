"""Service KPIs of the orders received in a period, per office, grid, technician or category.

Definitions (each rate is "of the orders where it applies"; an empty denominator shows as "–"):
- timely dispatch: dispatched orders dispatched within the office's dispatch clock;
- timely repair: finished repairs finished by their promised time (target 99%);
- return visits: finished orders with at least one recorded return visit (target ≥ 30%);
- complaint handling: complaints received (not withdrawn) that were answered or finished (target 100%);
- valid complaints: complaints judged valid, out of all requests received (target ≤ 2%);
- satisfaction: orders rated 4 or 5 stars, or satisfied on the last return visit when not rated,
  out of orders with a rating or a return visit (target ≥ 98%);
- average minutes from receipt to dispatch, from dispatch to arrival, and hours from receipt to finish.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import WorkOrder

GROUPINGS = {
    "office": _("Office"),
    "grid": _("Grid"),
    "technician": _("Technician"),
    "category": _("Category"),
}

# (key, label, target as (comparison, percent) or None)
COLUMNS = [
    ("received", _("Received"), None),
    ("timely_dispatch", _("Timely dispatch"), None),
    ("timely_repair", _("Timely repair"), (">=", 99)),
    ("return_visit", _("Return-visit rate"), (">=", 30)),
    ("complaint_handling", _("Complaint handling"), (">=", 100)),
    ("valid_complaint", _("Valid complaints"), ("<=", 2)),
    ("satisfaction", _("Satisfaction"), (">=", 98)),
    ("avg_dispatch_min", _("Avg. minutes to dispatch"), None),
    ("avg_arrive_min", _("Avg. minutes to arrive"), None),
    ("avg_finish_hours", _("Avg. hours to finish"), None),
]
RATES = {"timely_dispatch", "timely_repair", "return_visit", "complaint_handling", "valid_complaint", "satisfaction"}


def _label(order: WorkOrder, by: str) -> tuple:
    if by == "grid":
        return (order.grid_id or 0, str(order.grid) if order.grid_id else str(_("No grid (front desk)")))
    if by == "technician":
        return (order.technician_id or 0, str(order.technician) if order.technician_id else str(_("No technician")))
    if by == "category":
        return (order.category, order.get_category_display())
    return (order.office_id, str(order.office))


def _rate(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _mean(values: list) -> Decimal | None:
    if not values:
        return None
    return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _minutes(delta: datetime.timedelta) -> Decimal:
    return Decimal(delta.total_seconds()) / 60


def period_bounds(start: datetime.date, end: datetime.date):
    tz = timezone.get_current_timezone()
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    high = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return low, high


def figures(orders: list[WorkOrder]) -> dict:
    """The KPI figures of a list of orders (with ``visits`` = list of return-visit satisfied flags)."""
    counts = defaultdict(int)
    dispatch_minutes, arrive_minutes, finish_hours = [], [], []
    for order in orders:
        counts["received"] += 1
        visits = order.visit_flags
        if order.dispatched_at:
            counts["dispatched"] += 1
            counts["dispatched_on_time"] += not order.dispatch_late
            dispatch_minutes.append(_minutes(order.dispatched_at - order.received_at))
        if order.arrived_at and order.dispatched_at:
            arrive_minutes.append(_minutes(order.arrived_at - order.dispatched_at))
        if order.finished_at:
            counts["finished"] += 1
            counts["visited"] += bool(visits)
            finish_hours.append(_minutes(order.finished_at - order.received_at) / 60)
            if order.kind == WorkOrder.Kind.REPAIR:
                counts["repairs_finished"] += 1
                counts["repairs_on_time"] += not order.finished_late
        if order.kind == WorkOrder.Kind.COMPLAINT and order.status != WorkOrder.Status.CANCELLED:
            counts["complaints"] += 1
            counts["complaints_handled"] += order.finished_at is not None
            counts["complaints_valid"] += order.complaint_valid is True
        if order.rating is not None:
            counts["judged"] += 1
            counts["satisfied"] += order.rating >= 4
        elif visits:
            counts["judged"] += 1
            counts["satisfied"] += visits[-1]
    return {
        "counts": dict(counts),
        "received": counts["received"],
        "timely_dispatch": _rate(counts["dispatched_on_time"], counts["dispatched"]),
        "timely_repair": _rate(counts["repairs_on_time"], counts["repairs_finished"]),
        "return_visit": _rate(counts["visited"], counts["finished"]),
        "complaint_handling": _rate(counts["complaints_handled"], counts["complaints"]),
        "valid_complaint": _rate(counts["complaints_valid"], counts["received"]),
        "satisfaction": _rate(counts["satisfied"], counts["judged"]),
        "avg_dispatch_min": _mean(dispatch_minutes),
        "avg_arrive_min": _mean(arrive_minutes),
        "avg_finish_hours": _mean(finish_hours),
    }


def report(queryset, start: datetime.date, end: datetime.date, by: str = "office") -> list[dict]:
    """One row per group and a last "All" row, for orders received from ``start`` to ``end`` (inclusive)."""
    low, high = period_bounds(start, end)
    orders = list(
        queryset.filter(received_at__gte=low, received_at__lt=high)
        .select_related("office", "grid__community", "technician")
        .prefetch_related("return_visits")
    )
    for order in orders:
        order.visit_flags = [visit.satisfied for visit in sorted(order.return_visits.all(), key=lambda v: (v.at, v.pk))]
    groups: dict[tuple, list] = defaultdict(list)
    for order in orders:
        groups[_label(order, by)].append(order)
    rows = [
        {"key": key, "label": label, **figures(members)}
        for (key, label), members in sorted(groups.items(), key=lambda g: g[0][1])
    ]
    rows.append({"key": "all", "label": str(_("All")), **figures(orders)})
    return rows


def show(row: dict, key: str) -> str:
    value = row.get(key)
    if value is None:
        return "–"
    return f"{value}%" if key in RATES else str(value)


def meets(value, target) -> bool | None:
    if value is None or target is None:
        return None
    comparison, goal = target
    return value >= goal if comparison == ">=" else value <= goal


def for_display(rows: list[dict]) -> list[dict]:
    shown = []
    for row in rows:
        cells = []
        for key, _label, target in COLUMNS:
            value = row.get(key)
            cells.append(
                {
                    "text": show(row, key),
                    "bar": min(float(value), 100.0) if key in RATES and value is not None else None,
                    "ok": meets(value, target),
                }
            )
        shown.append({"label": row["label"], "cells": cells, "is_total": row["key"] == "all"})
    return shown


CHART_RATES = [
    "timely_dispatch",
    "timely_repair",
    "return_visit",
    "complaint_handling",
    "valid_complaint",
    "satisfaction",
]
CHART_TIMES = ["avg_dispatch_min", "avg_arrive_min"]


def chart_data(rows: list[dict]) -> dict:
    """The figures of the table for the charts (per group, without the total row), as exact strings."""
    groups = [row for row in rows if row["key"] != "all"]
    labels = {key: str(label) for key, label, _target in COLUMNS}
    targets = {key: target for key, _label, target in COLUMNS}

    def series(keys):
        return [
            {
                "key": key,
                "label": labels[key] + (f" ({targets[key][0]} {targets[key][1]}%)" if targets[key] else ""),
                "values": [None if row.get(key) is None else str(row[key]) for row in groups],
            }
            for key in keys
        ]

    return {"labels": [row["label"] for row in groups], "rates": series(CHART_RATES), "times": series(CHART_TIMES)}

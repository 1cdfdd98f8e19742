"""The figures behind the staff home panels and the daily control report. Read-only.

Every function takes office ids (already scoped by ``portal.access`` in the caller) and answers for all
of them at once with grouped queries, so the number of queries does not grow with the offices, grids or
households shown. Money comes back as ``Decimal`` (sums are taken in whole cents, exact on SQLite too).
"""

# The SQL text here is put together from constants and ORM-compiled querysets; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from commerce.billing.models import Bill, BillingRun
from commerce.ledger.services import from_cents, sum_in_cents
from commerce.payments.models import Payment
from commerce.reports import queries as report_queries
from commerce.reports.queries import Scope, percent
from portal.clubhouse.models import Booking
from portal.properties.models import Grid, Office, Unit
from portal.workorders import kpis as workorder_kpis
from portal.workorders.models import WorkOrder
from services_catalog.models import ServiceOrder

ZERO = Decimal("0.00")
S = WorkOrder.Status


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The local day as an aware [start, end) range."""
    return report_queries.day_bounds(day)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


# --- work orders -------------------------------------------------------------------------------------


def dispatch_breach_q(now: datetime.datetime) -> Q:
    return Q(dispatch_late=True) | Q(status=S.NEW, dispatched_at__isnull=True, dispatch_due_at__lt=now)


def arrival_breach_q(now: datetime.datetime) -> Q:
    return Q(arrival_late=True) | Q(status__in=(S.DISPATCHED, S.ON_THE_WAY), arrival_due_at__lt=now)


def promise_breach_q(now: datetime.datetime) -> Q:
    return Q(finished_late=True) | Q(status__in=WorkOrder.BEFORE_FINISH, promised_at__lt=now)


def overdue_q(now: datetime.datetime) -> Q:
    """Open orders the dispatch board flags as overdue (any clock broken, or escalated)."""
    late = dispatch_breach_q(now) | arrival_breach_q(now) | promise_breach_q(now) | Q(escalated_at__isnull=False)
    return Q(status__in=WorkOrder.OPEN) & late


def work_order_counts(office_ids, now: datetime.datetime, *, grid_ids=None) -> dict:
    """Open and overdue orders now, and this month's service-promise breaches, per office (or per grid)."""
    since, _end = day_bounds(month_start(timezone.localdate(now)))
    this_month = Q(received_at__gte=since)
    orders = WorkOrder.objects.filter(office_id__in=list(office_ids))
    group = "office_id"
    if grid_ids is not None:
        orders, group = orders.filter(grid_id__in=list(grid_ids)), "grid_id"
    rows = (
        orders.order_by()
        .values(group)
        .annotate(
            open=Count("pk", filter=Q(status__in=WorkOrder.OPEN)),
            overdue=Count("pk", filter=overdue_q(now)),
            breach_dispatch=Count("pk", filter=this_month & dispatch_breach_q(now)),
            breach_arrival=Count("pk", filter=this_month & arrival_breach_q(now)),
            breach_promise=Count("pk", filter=this_month & promise_breach_q(now)),
        )
    )
    return {row.pop(group): row for row in rows}


def work_orders_of_day(office_ids, day: datetime.date, now: datetime.datetime) -> dict:
    """Orders received, closed and complaints received on a local day, breaches among the day's orders,
    and the open orders overdue ``now``."""
    start, end = day_bounds(day)
    received = Q(received_at__gte=start, received_at__lt=end)
    rows = (
        WorkOrder.objects.filter(office_id__in=list(office_ids))
        .filter(received | Q(closed_at__gte=start, closed_at__lt=end) | Q(status__in=WorkOrder.OPEN))
        .order_by()
        .values("office_id")
        .annotate(
            received=Count("pk", filter=received),
            complaints=Count("pk", filter=received & Q(kind=WorkOrder.Kind.COMPLAINT)),
            closed=Count("pk", filter=Q(closed_at__gte=start, closed_at__lt=end)),
            overdue=Count("pk", filter=overdue_q(now)),
            breaches=Count(
                "pk", filter=received & (dispatch_breach_q(now) | arrival_breach_q(now) | promise_breach_q(now))
            ),
        )
    )
    return {row.pop("office_id"): row for row in rows}


def satisfaction(office_ids, start: datetime.date, end: datetime.date) -> dict:
    """Satisfaction (as the service KPIs define it) of the orders received in [start, end], per office id,
    and over them all under the key "all"."""
    orders = WorkOrder.objects.filter(office_id__in=list(office_ids))
    return {row["key"]: row["satisfaction"] for row in workorder_kpis.report(orders, start, end)}


# --- money -------------------------------------------------------------------------------------------


def _fetch(sql: str, params: list) -> list[tuple]:
    return report_queries._fetch(sql, params)


def collection_by_office(office_ids, period: tuple[datetime.date, datetime.date]) -> dict[int, dict]:
    """Receivable, collected and rate of the bills whose period starts in ``period``, per office (one query)."""
    ids = frozenset(office_ids)
    if not ids:
        return {}
    sql, params = report_queries.bill_figures_sql(Scope(office_ids=ids, period=period))
    rows = _fetch(
        f"SELECT f.office_id, SUM(f.receivable_cents), SUM(f.collected_cents) FROM ({sql}) f GROUP BY f.office_id",
        params,
    )
    return {
        office_id: {
            "receivable": from_cents(receivable),
            "collected": from_cents(collected),
            "rate": percent(collected or 0, receivable or 0),
        }
        for office_id, receivable, collected in rows
    }


def arrears_by_office(office_ids) -> dict[int, dict]:
    """Households that owe on their bills and what they owe, per office (the arrears report's figures)."""
    ids = frozenset(office_ids)
    if not ids:
        return {}
    sql, params = report_queries.bill_figures_sql(Scope(office_ids=ids, payer=Bill.Payer.HOUSEHOLD))
    rows = _fetch(
        f"SELECT f.office_id, COUNT(DISTINCT f.unit_id), SUM(f.owed_cents) FROM ({sql}) f"
        " WHERE f.owed_cents > 0 GROUP BY f.office_id",
        params,
    )
    return {office_id: {"households": n, "owed": from_cents(owed)} for office_id, n, owed in rows}


def arrears_by_grid(office_ids, grid_ids) -> dict[int, dict]:
    """Households in arrears and what they owe, per grid, with the ten largest debtors of each grid."""
    ids, grids = frozenset(office_ids), sorted(grid_ids)
    if not ids or not grids:
        return {}
    sql, params = report_queries.bill_figures_sql(Scope(office_ids=ids, payer=Bill.Payer.HOUSEHOLD))
    units_sql, units_params = report_queries._compile(
        Unit.objects.filter(grid_id__in=grids).order_by().values("id", "grid_id")
    )
    rows = _fetch(
        f"SELECT u.grid_id, f.unit_id, SUM(f.owed_cents) AS owed FROM ({sql}) f"
        f" JOIN ({units_sql}) u ON u.id = f.unit_id WHERE f.owed_cents > 0"
        " GROUP BY u.grid_id, f.unit_id ORDER BY u.grid_id, owed DESC, f.unit_id",
        params + units_params,
    )
    result: dict[int, dict] = {}
    for grid_id, unit_id, owed in rows:
        entry = result.setdefault(grid_id, {"households": 0, "owed": ZERO, "top": []})
        entry["households"] += 1
        entry["owed"] += from_cents(owed)
        if len(entry["top"]) < 10:
            entry["top"].append((unit_id, from_cents(owed)))
    units = Unit.objects.filter(pk__in=[u for e in result.values() for u, _ in e["top"]]).select_related(
        "building__community"
    )
    by_id = {unit.pk: unit for unit in units}
    for entry in result.values():
        entry["top"] = [(by_id[unit_id], owed) for unit_id, owed in entry["top"]]
    return result


@dataclass
class Cash:
    desk: Decimal = ZERO
    desk_count: int = 0
    online: Decimal = ZERO
    online_count: int = 0

    @property
    def total(self) -> Decimal:
        return self.desk + self.online

    @property
    def count(self) -> int:
        return self.desk_count + self.online_count


def cash_by_office(office_ids, day: datetime.date) -> dict[int, Cash]:
    """Succeeded payments of a local day, at the desk and online, per office (one query)."""
    start, end = day_bounds(day)
    rows = (
        Payment.objects.filter(
            office_id__in=list(office_ids),
            status=Payment.Status.SUCCEEDED,
            succeeded_at__gte=start,
            succeeded_at__lt=end,
        )
        .order_by()
        .values("office_id", online=ExpressionWrapper(Q(method=Payment.Method.ONLINE), output_field=BooleanField()))
        .annotate(n=Count("pk"), cents=sum_in_cents())
    )
    result: dict[int, Cash] = defaultdict(Cash)
    for row in rows:
        cash = result[row["office_id"]]
        if row["online"]:
            cash.online, cash.online_count = from_cents(row["cents"]), row["n"]
        else:
            cash.desk, cash.desk_count = from_cents(row["cents"]), row["n"]
    return dict(result)


def current_runs(office_ids) -> dict[int, BillingRun]:
    """Per office, the billing run in progress, else the latest one (one query)."""
    runs = BillingRun.objects.filter(office_id__in=list(office_ids)).select_related("office")
    active = (BillingRun.Status.PENDING, BillingRun.Status.RUNNING)
    result: dict[int, BillingRun] = {}
    latest = runs.filter(
        pk__in=Subquery(
            BillingRun.objects.filter(office_id=OuterRef("office_id"))
            .order_by("-period_start", "-created_at")
            .values("pk")[:1]
        )
    ) | runs.filter(status__in=active)
    for run in latest.order_by("office_id", "-created_at"):
        current = result.get(run.office_id)
        if current is None or (run.status in active and current.status not in active):
            result[run.office_id] = run
    return result


# --- clubhouse, services, marketplace ------------------------------------------------------------------


def activity_by_office(office_ids, day: datetime.date) -> dict[int, dict]:
    """Clubhouse bookings for the day, service orders placed and marketplace orders paid that day."""
    from commerce.marketplace.models import Order

    start, end = day_bounds(day)
    ids = list(office_ids)
    result: dict[int, dict] = defaultdict(
        lambda: {"bookings": 0, "service_orders": 0, "service_open": 0, "market_orders": 0, "market_total": ZERO}
    )
    bookings = (
        Booking.objects.filter(
            facility__community__office_id__in=ids,
            slot__starts_at__gte=start,
            slot__starts_at__lt=end,
        )
        .exclude(status=Booking.Status.CANCELLED)
        .order_by()
        .values(office=F("facility__community__office_id"))
        .annotate(n=Count("pk"))
    )
    for row in bookings:
        result[row["office"]]["bookings"] = row["n"]
    placed = Q(created_at__gte=start, created_at__lt=end)
    services = (
        ServiceOrder.objects.filter(office_id__in=ids)
        .filter(placed | Q(status__in=ServiceOrder.OPEN))
        .order_by()
        .values("office_id")
        .annotate(n=Count("pk", filter=placed), open=Count("pk", filter=Q(status__in=ServiceOrder.OPEN)))
    )
    for row in services:
        result[row["office_id"]].update(service_orders=row["n"], service_open=row["open"])
    market = (
        Order.objects.filter(community__office_id__in=ids, paid_at__gte=start, paid_at__lt=end)
        .order_by()
        .values(office=F("community__office_id"))
        .annotate(n=Count("pk"), cents=sum_in_cents("total"))
    )
    for row in market:
        result[row["office"]].update(market_orders=row["n"], market_total=from_cents(row["cents"]))
    return dict(result)


# --- an office's key figures (manager panel, headquarters table) --------------------------------------


@dataclass
class OfficeFigures:
    office: Office
    receivable: Decimal = ZERO
    collected: Decimal = ZERO
    rate: Decimal | None = None
    arrears_households: int = 0
    arrears: Decimal = ZERO
    open_orders: int = 0
    overdue_orders: int = 0
    breach_dispatch: int = 0
    breach_arrival: int = 0
    breach_promise: int = 0
    satisfaction: Decimal | None = None
    bookings_today: int = 0
    service_orders_today: int = 0
    service_orders_open: int = 0
    market_orders_today: int = 0
    market_total_today: Decimal = ZERO

    @property
    def breaches(self) -> int:
        return self.breach_dispatch + self.breach_arrival + self.breach_promise


@dataclass
class Board:
    rows: list[OfficeFigures]
    totals: dict


def office_figures(offices: list[Office], now: datetime.datetime | None = None) -> Board:
    """The key figures of each office, in the order given, and their totals (a fixed number of queries)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    ids = [office.pk for office in offices]
    if not ids:
        return Board([], totals([], None))
    first = month_start(today)
    collection = collection_by_office(ids, (first, first))
    arrears = arrears_by_office(ids)
    orders = work_order_counts(ids, now)
    satisfied = satisfaction(ids, first, today)
    activity = activity_by_office(ids, today)
    rows = []
    for office in offices:
        row = OfficeFigures(office=office)
        if c := collection.get(office.pk):
            row.receivable, row.collected, row.rate = c["receivable"], c["collected"], c["rate"]
        if a := arrears.get(office.pk):
            row.arrears_households, row.arrears = a["households"], a["owed"]
        if o := orders.get(office.pk):
            row.open_orders, row.overdue_orders = o["open"], o["overdue"]
            row.breach_dispatch, row.breach_arrival, row.breach_promise = (
                o["breach_dispatch"],
                o["breach_arrival"],
                o["breach_promise"],
            )
        row.satisfaction = satisfied.get(office.pk)
        if act := activity.get(office.pk):
            row.bookings_today = act["bookings"]
            row.service_orders_today, row.service_orders_open = act["service_orders"], act["service_open"]
            row.market_orders_today, row.market_total_today = act["market_orders"], act["market_total"]
        rows.append(row)
    return Board(rows, totals(rows, satisfied.get("all")))


def totals(rows: list[OfficeFigures], satisfaction_all: Decimal | None) -> dict:
    """The sums of a list of office figures (rates recomputed from the sums, not averaged)."""
    receivable = sum((r.receivable for r in rows), ZERO)
    collected = sum((r.collected for r in rows), ZERO)
    return {
        "receivable": receivable,
        "collected": collected,
        "rate": percent(int(collected * 100), int(receivable * 100)),
        "arrears_households": sum(r.arrears_households for r in rows),
        "arrears": sum((r.arrears for r in rows), ZERO),
        "open_orders": sum(r.open_orders for r in rows),
        "overdue_orders": sum(r.overdue_orders for r in rows),
        "breaches": sum(r.breaches for r in rows),
        "satisfaction": satisfaction_all,
        "bookings_today": sum(r.bookings_today for r in rows),
        "service_orders_today": sum(r.service_orders_today for r in rows),
        "market_orders_today": sum(r.market_orders_today for r in rows),
        "market_total_today": sum((r.market_total_today for r in rows), ZERO),
    }


# --- a housekeeper's grids, a technician's day ---------------------------------------------------------


def unread_by_grid(user, office_ids, grid_ids) -> dict[int, dict]:
    """Messages from residents the user has not read in open chats of each grid, and how many chats."""
    from notifications.models import ChatMessage, Conversation, ConversationRead

    last_read = ConversationRead.objects.filter(conversation=OuterRef("conversation_id"), user=user).values(
        "last_read_id"
    )[:1]
    rows = (
        ChatMessage.objects.filter(
            conversation__office_id__in=list(office_ids),
            conversation__status=Conversation.Status.OPEN,
            conversation__unit__grid_id__in=list(grid_ids),
        )
        .exclude(author=user)
        .annotate(read_up_to=Coalesce(Subquery(last_read), 0))
        .filter(pk__gt=F("read_up_to"))
        .order_by()
        .values(grid=F("conversation__unit__grid_id"))
        .annotate(messages=Count("pk"), chats=Count("conversation_id", distinct=True))
    )
    return {row.pop("grid"): row for row in rows}


@dataclass
class GridFigures:
    grid: Grid
    open_orders: int = 0
    overdue_orders: int = 0
    unread_messages: int = 0
    unread_chats: int = 0
    arrears_households: int = 0
    arrears: Decimal = ZERO
    debtors: list | None = None


def housekeeper_grids(user, office_ids, now: datetime.datetime | None = None) -> list[GridFigures]:
    """The grids the user keeps in the given offices, each with its open work and arrears (fixed queries)."""
    now = now or timezone.now()
    grids = list(
        Grid.objects.filter(housekeeper=user, community__office_id__in=list(office_ids))
        .select_related("community")
        .order_by("community__name", "name")
    )
    if not grids:
        return []
    grid_ids = [grid.pk for grid in grids]
    ids = {grid.community.office_id for grid in grids}
    orders = work_order_counts(ids, now, grid_ids=grid_ids)
    unread = unread_by_grid(user, ids, grid_ids)
    arrears = arrears_by_grid(ids, grid_ids)
    result = []
    for grid in grids:
        row = GridFigures(grid=grid, debtors=[])
        if o := orders.get(grid.pk):
            row.open_orders, row.overdue_orders = o["open"], o["overdue"]
        if u := unread.get(grid.pk):
            row.unread_messages, row.unread_chats = u["messages"], u["chats"]
        if a := arrears.get(grid.pk):
            row.arrears_households, row.arrears, row.debtors = a["households"], a["owed"], a["top"]
        result.append(row)
    return result


TECHNICIAN_TODO = (S.DISPATCHED, S.ON_THE_WAY, S.ON_SITE)


def technician_day(orders, now: datetime.datetime | None = None, limit: int = 30) -> dict:
    """A technician's orders still to do (earliest arrival due first) and those finished today.

    ``orders`` is the technician's scoped queryset (``workorders.access.technician_orders``).
    """
    now = now or timezone.now()
    start, end = day_bounds(timezone.localdate(now))
    todo = list(
        orders.filter(status__in=TECHNICIAN_TODO)
        .select_related("unit__building__community", "building", "office")
        .order_by(F("arrival_due_at").asc(nulls_last=True), "promised_at")[:limit]
    )
    for order in todo:
        order.flag_late = order.arrival_overdue(now) or order.promise_overdue(now)
        order.due_today = order.promised_at < end
    finished = list(
        orders.filter(finished_at__gte=start, finished_at__lt=end)
        .select_related("unit__building__community", "building", "office")
        .order_by("-finished_at")[:limit]
    )
    counts = orders.aggregate(
        todo_count=Count("pk", filter=Q(status__in=TECHNICIAN_TODO)),
        late_count=Count("pk", filter=Q(status__in=TECHNICIAN_TODO) & (arrival_breach_q(now) | promise_breach_q(now))),
    )
    return {"todo": todo, "finished": finished, **counts}

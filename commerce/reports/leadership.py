"""The figures of the leadership report (领导查询): one period, one place, split by the next level down.

A place is the company (every office the user may see), an office, a community or a building; its
children are offices, communities and buildings (a building is its own only child). Every function
answers with one aggregated query (clubhouse: four), whatever the number of bills, orders or children.

Definitions (the report's help text repeats them for the reader):
- bills: issued bills whose period starts in the chosen period; receivable, collected and outstanding
  as in ``queries.bill_figures_sql`` (outstanding never below zero per bill);
- by charge item: a bill's figures spread over its lines in proportion to their amounts (as the
  collection-rate report does), items of the same name added up across offices;
- prepaid: households whose ledger balance at the end of the period (or now, if sooner) is negative;
- arrears: what issued bills still owe today, by days since the end of their billing period;
- work orders received in the period: dispatched within the dispatch clock (not ``dispatch_late``),
  finished by the promised time (not ``finished_late``), average star rating, and the last return
  visit's answer;
- clubhouse: booked hours (places held by confirmed, checked-in and no-show bookings, as a share of the
  facility's places, times the slot length) over open hours (whole slots in the opening hours, less
  closures), slots starting in the period;
- services: orders placed in the period, committed (confirmed and later) at their price, plus what was
  kept from late cancellations; marketplace: orders paid in the period and not cancelled (GMV), and
  the platform commission of the completed ones.
"""

# The SQL text here is put together only from constants and ORM-compiled querysets; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BigIntegerField, Count, DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone

from commerce.billing.models import Bill, BillLine, ChargeItem
from commerce.ledger.models import AccountKind, Entry
from commerce.ledger.services import from_cents, sum_in_cents

from .queries import (
    AGING_BUCKETS,
    ZERO,
    Scope,
    _cents,
    _compile,
    _date_param,
    _fetch,
    _table,
    bill_figures_sql,
    day_bounds,
    percent,
)

CHILD_OF = {"company": "office", "office": "community", "community": "building", "building": "building"}
MONTHS_OF_TREND = 12


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Aware local midnight of ``start`` and of the day after ``end``."""
    return day_bounds(start)[0], day_bounds(end)[1]


def _cents_sum(field_name: str, condition: Q | None = None) -> Sum:
    hundred = Value(Decimal(100), output_field=DecimalField(max_digits=3, decimal_places=0))
    return Sum(Cast(Round(F(field_name) * hundred), output_field=BigIntegerField()), filter=condition)


def _one_place(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


# The place ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """Where the report stands: ``kind`` is company, office, community or building."""

    kind: str
    office_ids: frozenset[int] | None  # the offices the user may see; None: every office
    office: object = None
    community: object = None
    building: object = None

    @property
    def child(self) -> str:
        return CHILD_OF[self.kind]

    def scope(self, period: tuple[datetime.date, datetime.date] | None = None) -> Scope:
        return Scope(
            self.office_ids,
            office_id=self.office.pk if self.office is not None else None,
            community_id=self.community.pk if self.community is not None else None,
            building_id=self.building.pk if self.building is not None else None,
            period=period,
        )

    def q(self, office: str, community: str, building: str | None) -> Q:
        """The place as a filter on any model, given the paths to its office, community and building ids."""
        q = Q()
        if self.office_ids is not None:
            q &= Q(**{f"{office}__in": sorted(self.office_ids)})
        if self.office is not None:
            q &= Q(**{office: self.office.pk})
        if self.community is not None:
            q &= Q(**{community: self.community.pk})
        if self.building is not None and building is not None:
            q &= Q(**{building: self.building.pk})
        return q

    def child_path(self, office: str, community: str, building: str) -> str:
        return {"office": office, "community": community, "building": building}[self.child]

    def children(self) -> list:
        """The rows of the drill-down: offices, communities or buildings in the place, by name."""
        from portal.properties.models import Building, Community, Office

        if self.kind == "company":
            offices = Office.objects.order_by("name")
            return list(offices if self.office_ids is None else offices.filter(pk__in=self.office_ids))
        if self.kind == "office":
            return list(Community.objects.filter(office=self.office).order_by("name"))
        if self.kind == "community":
            return list(Building.objects.filter(community=self.community).order_by("name"))
        return [self.building]


# 1. Fees -------------------------------------------------------------------------------------------------


@dataclass
class Fees:
    receivable: Decimal = ZERO
    collected: Decimal = ZERO
    outstanding: Decimal = ZERO

    @property
    def rate(self) -> Decimal | None:
        return percent(int(self.collected * 100), int(self.receivable * 100))

    def __add__(self, other: Fees) -> Fees:
        return Fees(
            self.receivable + other.receivable, self.collected + other.collected, self.outstanding + other.outstanding
        )


def _figures(level: Level, period) -> tuple[str, list]:
    return bill_figures_sql(level.scope(period), place=level.child in ("community", "building"))


def fees_by_child(level: Level, start: datetime.date, end: datetime.date) -> dict[int, Fees]:
    """Receivable, collected and outstanding of the bills whose period starts in [start, end], per child."""
    figures, params = _figures(level, (start, end))
    sql = (
        f"SELECT f.{level.child}_id, SUM(f.receivable_cents), SUM(f.collected_cents), SUM(f.owed_cents)"
        f" FROM ({figures}) f GROUP BY f.{level.child}_id"
    )
    return {row[0]: Fees(*(from_cents(c) for c in row[1:])) for row in _fetch(sql, params)}


def fees_by_item(level: Level, start: datetime.date, end: datetime.date) -> list[tuple[str, Fees]]:
    """The same figures per charge item (by name, across offices), a bill's figures spread over its lines."""
    scope = level.scope((start, end))
    figures, params = _figures(level, (start, end))
    lines_sql, lines_params = _compile(
        BillLine.objects.filter(scope.bill_q("bill__", cheap=True))
        .order_by()
        .values(r_bill=F("bill_id"), r_item=F("item_id"), r_amount=_cents("amount"))
    )
    share = "SUM(CAST(ROUND(f.{col} * l.r_amount * 1.0 / f.total_cents) AS BIGINT))"
    sql = (
        f"SELECT it.name, {share.format(col='receivable_cents')}, {share.format(col='collected_cents')},"
        f" {share.format(col='owed_cents')}"
        f" FROM ({figures}) f JOIN ({lines_sql}) l ON l.r_bill = f.bill_id JOIN {_table(ChargeItem)} it"
        " ON it.id = l.r_item WHERE f.total_cents <> 0 GROUP BY it.name ORDER BY it.name"
    )
    return [(row[0], Fees(*(from_cents(c) for c in row[1:]))) for row in _fetch(sql, params + lines_params)]


@dataclass
class TrendPoint:
    month: datetime.date
    fees: Fees


def collection_trend(level: Level, last_month: datetime.date) -> list[TrendPoint]:
    """Receivable, collected and rate of the bills of each of the 12 months up to ``last_month``."""
    last = last_month.replace(day=1)
    first = add_months(last, 1 - MONTHS_OF_TREND)
    figures, params = bill_figures_sql(level.scope((first, add_months(last, 1) - datetime.timedelta(days=1))))
    sql = (
        f"SELECT b.period_start, SUM(f.receivable_cents), SUM(f.collected_cents), SUM(f.owed_cents)"
        f" FROM ({figures}) f JOIN {_table(Bill)} b ON b.id = f.bill_id GROUP BY b.period_start"
    )
    months: dict[datetime.date, Fees] = {add_months(first, n): Fees() for n in range(MONTHS_OF_TREND)}
    for day, *cents in _fetch(sql, params):
        if isinstance(day, str):  # SQLite hands dates back as text
            day = datetime.date.fromisoformat(day)
        key = day.replace(day=1)
        months[key] = months[key] + Fees(*(from_cents(c) for c in cents))
    return [TrendPoint(month, fees) for month, fees in months.items()]


# 2. Prepayments and arrears -------------------------------------------------------------------------------


@dataclass
class Prepaid:
    households: int = 0
    amount: Decimal = ZERO


def prepaid_by_child(level: Level, as_of: datetime.date) -> dict[int, Prepaid]:
    """Households paid ahead at the end of ``as_of``, and how much, per child."""
    path = level.child_path("account__office_id", "account__unit__building__community_id", "account__unit__building_id")
    per_unit = (
        Entry.objects.filter(
            level.q("account__office_id", "account__unit__building__community_id", "account__unit__building_id"),
            account__kind=AccountKind.HOUSEHOLD,
            posting__created_at__lt=_bounds(as_of, as_of)[1],
        )
        .order_by()
        .values("account__unit_id")
        .annotate(r_child=F(path), cents=sum_in_cents())
        .filter(cents__lt=0)
        .values("account__unit_id", "r_child", "cents")
    )
    sql, params = _compile(per_unit)
    rows = _fetch(f"SELECT t.r_child, COUNT(*), SUM(t.cents) FROM ({sql}) t GROUP BY t.r_child", params)
    return {child: Prepaid(n, -from_cents(cents)) for child, n, cents in rows}


@dataclass
class Aging:
    households: int = 0
    buckets: list[Decimal] = field(default_factory=lambda: [ZERO] * len(AGING_BUCKETS))

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, ZERO)

    def __add__(self, other: Aging) -> Aging:
        return Aging(
            self.households + other.households, [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]
        )


def aging_by_child(level: Level, as_of: datetime.date) -> dict[int, Aging]:
    """What issued bills (every payer) still owe on ``as_of``, by age bucket, per child."""
    figures, params = _figures(level, None)
    limits = [_date_param(as_of - datetime.timedelta(days=last)) for _label, _first, last in AGING_BUCKETS[:-1]]
    bucket = (
        "CASE " + " ".join(f"WHEN f.period_end >= %s THEN {k}" for k in range(len(limits))) + f" ELSE {len(limits)} END"
    )
    sums = ", ".join(f"SUM(CASE WHEN a.bucket = {k} THEN a.owed_cents ELSE 0 END)" for k in range(len(AGING_BUCKETS)))
    sql = (
        f"SELECT a.child, COUNT(DISTINCT a.unit_id), {sums} FROM (SELECT f.{level.child}_id AS child, f.unit_id,"
        f" f.owed_cents, {bucket} AS bucket FROM ({figures}) f WHERE f.owed_cents > 0) a GROUP BY a.child"
    )
    return {row[0]: Aging(row[1], [from_cents(c) for c in row[2:]]) for row in _fetch(sql, limits + params)}


# 3. Work orders ----------------------------------------------------------------------------------------------


@dataclass
class WorkOrders:
    received: int = 0
    dispatched: int = 0
    dispatched_on_time: int = 0
    finished: int = 0
    finished_on_time: int = 0
    rated: int = 0
    rating_sum: int = 0
    visited: int = 0
    visit_satisfied: int = 0

    def __add__(self, other: WorkOrders) -> WorkOrders:
        return WorkOrders(*(getattr(self, n) + getattr(other, n) for n in self.__dataclass_fields__))

    @property
    def timely_dispatch(self) -> Decimal | None:
        return percent(self.dispatched_on_time, self.dispatched)

    @property
    def finished_in_time(self) -> Decimal | None:
        return percent(self.finished_on_time, self.finished)

    @property
    def average_rating(self) -> Decimal | None:
        return _one_place(self.rating_sum, self.rated)

    @property
    def visit_satisfaction(self) -> Decimal | None:
        return percent(self.visit_satisfied, self.visited)


def _work_orders(level: Level, start: datetime.date, end: datetime.date):
    from portal.workorders.models import WorkOrder

    low, high = _bounds(start, end)
    return WorkOrder.objects.annotate(
        r_building=Coalesce("building_id", "unit__building_id"),
        r_community=Coalesce("building__community_id", "unit__building__community_id", "grid__community_id"),
    ).filter(level.q("office_id", "r_community", "r_building"), received_at__gte=low, received_at__lt=high)


def work_orders_by_child(level: Level, start: datetime.date, end: datetime.date) -> dict[int | None, WorkOrders]:
    """Volume, timeliness and satisfaction of the orders received in the period, per child (None: no place)."""
    from portal.workorders.models import ReturnVisit

    last_visit = ReturnVisit.objects.filter(order=OuterRef("pk")).order_by("-at", "-pk").values("satisfied")[:1]
    rows = (
        _work_orders(level, start, end)
        .annotate(r_last=Subquery(last_visit))
        .order_by()
        .values(r_child=F(level.child_path("office_id", "r_community", "r_building")))
        .annotate(
            received=Count("pk"),
            dispatched=Count("pk", filter=Q(dispatched_at__isnull=False)),
            dispatched_on_time=Count("pk", filter=Q(dispatched_at__isnull=False, dispatch_late=False)),
            finished=Count("pk", filter=Q(finished_at__isnull=False)),
            finished_on_time=Count("pk", filter=Q(finished_at__isnull=False, finished_late=False)),
            rated=Count("rating"),
            rating_sum=Coalesce(Sum("rating"), 0),
            visited=Count("pk", filter=Q(r_last__isnull=False)),
            visit_satisfied=Count("pk", filter=Q(r_last=True)),
        )
    )
    return {row.pop("r_child"): WorkOrders(**row) for row in rows}


def work_orders_by_kind(level: Level, start: datetime.date, end: datetime.date) -> dict[tuple[str, str], int]:
    """Orders received in the period per (kind, category)."""
    rows = _work_orders(level, start, end).order_by().values("kind", "category").annotate(n=Count("pk")).order_by()
    return {(row["kind"], row["category"]): row["n"] for row in rows}


# 4. Clubhouse ------------------------------------------------------------------------------------------------


@dataclass
class Utilisation:
    facility: object
    open_hours: Decimal
    booked_hours: Decimal

    @property
    def rate(self) -> Decimal | None:
        if not self.open_hours:
            return None
        return (self.booked_hours * 100 / self.open_hours).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _minutes(at: datetime.time) -> int:
    return at.hour * 60 + at.minute


def _open_slots(facility, hours, start: datetime.date, end: datetime.date, closures) -> int:
    """Whole slots offered in [start, end] (as ``clubhouse.services.slot_times`` cuts them), less closed ones."""
    from portal.clubhouse.services import slot_times

    per_weekday = defaultdict(int)
    for period in hours:
        minutes = _minutes(period.closes) - _minutes(period.opens)
        per_weekday[period.weekday] += max(0, minutes // facility.slot_minutes)
    days = (end - start).days + 1
    slots = 0
    for weekday, count in per_weekday.items():
        offset = (weekday - start.weekday()) % 7
        slots += count * (0 if offset >= days else 1 + (days - 1 - offset) // 7)
    closed = set()
    for closure in closures:
        first = max(start, timezone.localtime(closure.starts_at).date())
        last = min(end, timezone.localtime(closure.ends_at).date())
        day = first
        while day <= last:
            for slot_start, slot_end in slot_times(facility, day, hours):
                if closure.starts_at < slot_end and closure.ends_at > slot_start:
                    closed.add(slot_start)
            day += datetime.timedelta(days=1)
    return slots - len(closed)


def clubhouse_utilisation(level: Level, start: datetime.date, end: datetime.date) -> list[Utilisation]:
    """Booked over open hours per facility of the place (a building shows its community's facilities)."""
    from portal.clubhouse.models import Booking, Closure, Facility

    low, high = _bounds(start, end)
    community = level.building.community_id if level.building is not None else None
    held = Booking.objects.filter(
        facility=OuterRef("pk"),
        status__in=(Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN, Booking.Status.NO_SHOW),
        slot__starts_at__gte=low,
        slot__starts_at__lt=high,
    )
    place = level.q("community__office_id", "community_id", None)
    if community is not None:
        place &= Q(community_id=community)
    facilities = list(
        Facility.objects.filter(place)
        .filter(Q(active=True) | Exists(held))
        .select_related("community")
        .prefetch_related("hours")
        .order_by("community__name", "name")
    )
    ids = [f.pk for f in facilities]
    closures = defaultdict(list)
    for closure in Closure.objects.filter(facility_id__in=ids, starts_at__lt=high, ends_at__gt=low):
        closures[closure.facility_id].append(closure)
    places = dict(
        Booking.objects.filter(
            facility_id__in=ids,
            status__in=(Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN, Booking.Status.NO_SHOW),
            slot__starts_at__gte=low,
            slot__starts_at__lt=high,
        )
        .order_by()
        .values("facility_id")
        .annotate(n=Sum("places"))
        .values_list("facility_id", "n")
    )
    rows = []
    for facility in facilities:
        slot_hours = Decimal(facility.slot_minutes) / 60
        slots = _open_slots(facility, list(facility.hours.all()), start, end, closures[facility.pk])
        booked = Decimal(places.get(facility.pk) or 0) / facility.capacity * slot_hours
        rows.append(
            Utilisation(
                facility,
                (slots * slot_hours).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                booked.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            )
        )
    return rows


# 5. Services and marketplace ----------------------------------------------------------------------------------


@dataclass
class Sales:
    service_orders: int = 0
    service_gmv: Decimal = ZERO
    market_orders: int = 0
    market_gmv: Decimal = ZERO
    commission: Decimal = ZERO

    def __add__(self, other: Sales) -> Sales:
        return Sales(*(getattr(self, n) + getattr(other, n) for n in self.__dataclass_fields__))

    @property
    def gmv(self) -> Decimal:
        return self.service_gmv + self.market_gmv


def sales_by_child(level: Level, start: datetime.date, end: datetime.date) -> dict[int | None, Sales]:
    """Special services and marketplace takings of the period per child (two queries)."""
    from commerce.marketplace.models import Order
    from services_catalog.models import ServiceOrder

    low, high = _bounds(start, end)
    result: dict[int | None, Sales] = defaultdict(Sales)
    S = ServiceOrder.Status
    committed = Q(status__in=(S.CONFIRMED, S.ASSIGNED, S.STARTED, S.FINISHED, S.COMPLETED), amount__isnull=False)
    services = (
        ServiceOrder.objects.filter(
            level.q("office_id", "unit__building__community_id", "unit__building_id"),
            created_at__gte=low,
            created_at__lt=high,
        )
        .order_by()
        .values(r_child=F(level.child_path("office_id", "unit__building__community_id", "unit__building_id")))
        .annotate(
            n=Count("pk", filter=committed),
            gmv=_cents_sum("amount", committed),
            kept=_cents_sum("kept_on_cancel", Q(status=S.CANCELLED, kept_on_cancel__isnull=False)),
        )
    )
    for row in services:
        sales = result[row["r_child"]]
        sales.service_orders += row["n"]
        sales.service_gmv += from_cents(row["gmv"]) + from_cents(row["kept"])
    market = (
        Order.objects.filter(
            level.q("community__office_id", "community_id", "unit__building_id"), paid_at__gte=low, paid_at__lt=high
        )
        .exclude(status=Order.Status.CANCELLED)
        .order_by()
        .values(r_child=F(level.child_path("community__office_id", "community_id", "unit__building_id")))
        .annotate(
            n=Count("pk"),
            gmv=_cents_sum("total"),
            commission=_cents_sum("commission", Q(status=Order.Status.COMPLETED)),
        )
    )
    for row in market:
        sales = result[row["r_child"]]
        sales.market_orders += row["n"]
        sales.market_gmv += from_cents(row["gmv"])
        sales.commission += from_cents(row["commission"])
    return dict(result)

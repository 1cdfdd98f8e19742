"""Time one monthly billing run over N units on PostgreSQL, against a raw COPY of its bill lines in the same run.

    .venv/bin/python bench/billing.py [--units 100000] [--keep] [--profile]

Creates N units (bulk_create) in one office, each with three monthly charge items (per m², fixed per
unit, fixed per parking space; every unit has one parking space), then bills one month by calling
``commerce.billing.runs.execute_run`` directly (no Celery) and times it. The baseline is a raw
PostgreSQL ``COPY`` of N × 3 rows shaped like ``billing_billline`` into an unlogged table: the floor
for writing that many lines from this machine. Prints units/s, seconds and run/COPY ratio.

The arrears and collection-rate report screens do not exist yet; after paying 90% of the bills
(bulk-created payments with their ledger postings and allocations), the script times the SQL the
reports would need for their first page and labels those figures as query-level equivalents.

Needs PostgreSQL. With DATABASE_URL unset, creates database ``linli_bench`` on 127.0.0.1 as user
postgres and drops it at the end (keep it with --keep). Not a test: nothing is asserted.
"""

import argparse
import cProfile
import datetime
import os
import pstats
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "linli_bench"
ADMIN_CONNINFO = "host=127.0.0.1 user=postgres dbname=postgres"
MONTH = datetime.date(2026, 10, 1)
UNITS_PER_BUILDING = 100  # 25 floors × 4 units
UNITS_PER_GRID = 400
BUILDINGS_PER_COMMUNITY = 50
BATCH = 5000
PAGE = 50
REPEAT = 7
TARGET_SECONDS_PER_100K = 30
TARGET_REPORT_MS = 300


def _admin(sql):
    import psycopg

    with psycopg.connect(ADMIN_CONNINFO, autocommit=True) as conn:
        conn.execute(sql)


def prepare_database(args) -> bool:
    """Point DATABASE_URL at PostgreSQL; True when this script created the database (and should drop it)."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
            raise SystemExit(f"bench/billing.py needs PostgreSQL; DATABASE_URL is {url.split(':', 1)[0]}:…")
        return False
    try:
        _admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        _admin(f"CREATE DATABASE {BENCH_DB}")
    except Exception as exc:  # noqa: BLE001 - any connection failure gets the same advice
        raise SystemExit(
            f"Could not create database {BENCH_DB} on 127.0.0.1 as user postgres ({exc}).\n"
            "Start PostgreSQL there or set DATABASE_URL=postgres://… to an existing database."
        ) from None
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    return True


class Clock:
    def __init__(self):
        self.laps = []

    def lap(self, label, started):
        seconds = time.perf_counter() - started
        self.laps.append((label, seconds))
        print(f"  {label:<44}{seconds:>8.2f} s", flush=True)
        return seconds


def create_tree(n_units):
    """Company → office → communities → buildings → grids → units, one parking space each; returns (office, units)."""
    from portal.properties.models import Building, Community, Company, Grid, Office, ParkingSpace, Region, Unit

    company = Company.objects.create(name="Bench Property Co.", currency="CNY")
    region = Region.objects.create(company=company, name="Bench region")
    office = Office.objects.create(region=region, name="Bench office", code="bench")
    n_buildings = -(-n_units // UNITS_PER_BUILDING)
    n_communities = -(-n_buildings // BUILDINGS_PER_COMMUNITY)
    communities = Community.objects.bulk_create(
        Community(office=office, name=f"Bench community {c + 1}", code=f"bench-{c + 1}") for c in range(n_communities)
    )
    per = BUILDINGS_PER_COMMUNITY
    buildings = Building.objects.bulk_create(
        (
            Building(community=communities[b // per], name=f"{b % per + 1}", floors=25)
            for b in range(n_buildings)
        ),
        batch_size=BATCH,
    )
    grids, units = {}, []
    for i in range(n_units):
        building = buildings[i // UNITS_PER_BUILDING]
        within = i % UNITS_PER_BUILDING
        grid_key = (building.community_id, (i % (UNITS_PER_BUILDING * BUILDINGS_PER_COMMUNITY)) // UNITS_PER_GRID)
        if grid_key not in grids:
            grids[grid_key] = Grid(community_id=grid_key[0], name=f"Grid {grid_key[1] + 1}")
        units.append(
            Unit(
                building=building,
                grid=grids[grid_key],
                number=f"{within // 4 + 1}{within % 4 + 1:02d}",
                floor=within // 4 + 1,
                floor_area=Decimal(60 + (i * 37) % 121) + Decimal(i % 100) / 100,  # 60.00 … 180.99 m²
                status=Unit.Status.UNSOLD if i % 50 == 0 else Unit.Status.SOLD,  # 2% billed to the developer
            )
        )
    Grid.objects.bulk_create(grids.values(), batch_size=BATCH)
    for unit in units:
        unit.grid_id = unit.grid.pk
    units = Unit.objects.bulk_create(units, batch_size=BATCH)
    ParkingSpace.objects.bulk_create(
        (ParkingSpace(community_id=u.building.community_id, number=f"P{k + 1}", unit=u) for k, u in enumerate(units)),
        batch_size=BATCH,
    )
    return office, units


def create_charges(office):
    from commerce.billing.models import ChargeItem, ChargeStandard

    kind = ChargeItem.Kind
    specs = [
        ("property-fee", "Property fee", kind.PER_AREA, Decimal("2.80")),
        ("garbage", "Garbage collection", kind.FIXED_PER_UNIT, Decimal("15")),
        ("parking", "Parking management", kind.FIXED_PER_PARKING, Decimal("150")),
    ]
    items = []
    for code, name, item_kind, price in specs:
        item = ChargeItem.objects.create(office=office, code=code, name=name, kind=item_kind)
        ChargeStandard.objects.create(
            item=item, name=f"{name} 2024", effective_from=datetime.date(2024, 1, 1), unit_price=price
        )
        items.append(item)
    return items


def create_run(office):
    """What ``start_run`` writes, minus the permission check and the Celery hand-off."""
    from commerce.billing.models import BillingRun
    from commerce.billing.runs import month_bounds, office_units
    from portal.people.models import User

    clerk = User.objects.create_user(email="bench-clerk@example.com", password=None)
    start, end = month_bounds(MONTH)
    return BillingRun.objects.create(
        office=office, period_start=start, period_end=end, created_by=clerk, total=office_units(office).count()
    )


def copy_baseline(n_rows, item_ids):
    """Seconds for a raw COPY of ``n_rows`` bill-line-shaped rows into an unlogged table."""
    from django.db import connection

    rows = [
        (
            i // 3 + 1,
            item_ids[i % 3],
            Decimal("120.500"),
            Decimal("2.8000"),
            Decimal("337.40"),
            "120.5 m² × ¥2.80 = ¥337.40",
        )
        for i in range(n_rows)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNLOGGED TABLE tmp_lines (id bigserial PRIMARY KEY, bill_id bigint NOT NULL,"
            " item_id bigint NOT NULL, quantity numeric(14,3) NOT NULL, unit_price numeric(12,4),"
            " amount numeric(14,2) NOT NULL,"
            " explanation varchar(500) NOT NULL)"
        )
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        started = time.perf_counter()
        columns = "bill_id, item_id, quantity, unit_price, amount, explanation"
        with raw.copy(f"COPY tmp_lines ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE tmp_lines")
    return seconds


def pay_bills(office, run):
    """Pay 90% of the run's bills in full at the desk: payment, ledger posting (cash / household), allocation."""
    from commerce.billing.models import Bill
    from commerce.ledger import services as ledger
    from commerce.ledger.models import Account, AccountKind, Entry, Posting
    from commerce.payments.models import Payment, PaymentAllocation

    company = office.region.company
    cash = ledger.system_account(company, AccountKind.CASH, office=office)
    accounts = dict(Account.objects.filter(kind=AccountKind.HOUSEHOLD, office=office).values_list("unit_id", "pk"))
    bills = [
        bill
        for bill in run.bills.filter(payer=Bill.Payer.HOUSEHOLD).only("pk", "unit_id", "total", "currency")
        if bill.unit_id % 10 != 0
    ]
    now = datetime.datetime.now(datetime.UTC)
    for chunk_start in range(0, len(bills), BATCH):
        chunk = bills[chunk_start : chunk_start + BATCH]
        postings = Posting.objects.bulk_create(
            Posting(idempotency_key=f"bench-pay:{b.pk}", company=company, office=office, kind="payment", memo="bench")
            for b in chunk
        )
        Entry.objects.bulk_create(
            [
                entry
                for b, p in zip(chunk, postings, strict=True)
                for entry in (
                    Entry(posting=p, account_id=cash.pk, amount=b.total, currency=b.currency),
                    Entry(posting=p, account_id=accounts[b.unit_id], amount=-b.total, currency=b.currency),
                )
            ]
        )
        payments = Payment.objects.bulk_create(
            Payment(
                office=office,
                unit_id=b.unit_id,
                amount=b.total,
                currency=b.currency,
                method=Payment.Method.CASH,
                status=Payment.Status.SUCCEEDED,
                posting=p,
                succeeded_at=now,
            )
            for b, p in zip(chunk, postings, strict=True)
        )
        PaymentAllocation.objects.bulk_create(
            PaymentAllocation(payment=pay, bill=b, amount=b.total) for b, pay in zip(chunk, payments, strict=True)
        )
    return len(bills)


# Django's default table names (no model sets db_table). COUNT(*) OVER () gives the total a pager needs.
# First page of households that owe (positive household balance), largest first.
ARREARS_SQL = """
    SELECT a.id, a.unit_id, a.name, SUM(e.amount) AS owed, COUNT(*) OVER () AS total
    FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
    WHERE a.kind = 'household' AND a.office_id = %(office)s
    GROUP BY a.id HAVING SUM(e.amount) > 0
    ORDER BY owed DESC, a.id LIMIT %(limit)s
"""
# Billed, collected and collected/billed (%) per building for the month, first page by community and building.
COLLECTION_SQL = """
    SELECT c.name AS community, bd.name AS building, SUM(b.total) AS billed,
           COALESCE(SUM(paid.amount), 0) AS collected,
           ROUND(COALESCE(SUM(paid.amount), 0) * 100 / NULLIF(SUM(b.total), 0), 2) AS rate,
           COUNT(*) OVER () AS total
    FROM billing_bill b
    JOIN properties_unit u ON u.id = b.unit_id
    JOIN properties_building bd ON bd.id = u.building_id
    JOIN properties_community c ON c.id = bd.community_id
    LEFT JOIN (
        SELECT pa.bill_id, SUM(pa.amount) AS amount
        FROM payments_paymentallocation pa JOIN payments_payment p ON p.id = pa.payment_id
        WHERE p.status = 'succeeded' GROUP BY pa.bill_id
    ) paid ON paid.bill_id = b.id
    WHERE c.office_id = %(office)s AND b.period_start = %(month)s AND b.status <> 'voided'
    GROUP BY c.id, c.name, bd.id, bd.name
    ORDER BY c.name, bd.name LIMIT %(limit)s
"""


def time_query(sql, params):
    """(first ms, median ms of REPEAT, rows) of one query through Django's connection."""
    from django.db import connection

    timings, rows = [], []
    for _ in range(REPEAT + 1):
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return timings[0], statistics.median(timings[1:]), rows


def report(label, sql, params):
    first, median, rows = time_query(sql, params)
    verdict = "met" if median <= TARGET_REPORT_MS else "NOT met"
    total = rows[0][-1] if rows else 0
    print(
        f"  {label:<36}{median:>8.1f} ms (cold {first:.1f} ms)  {len(rows)} rows of {total:,}"
        f"  [≤ {TARGET_REPORT_MS} ms: {verdict}]"
    )
    return rows


def time_report_screens(office, run):
    """First pages of the report screens through ``commerce.reports.queries`` (the functions the views call)."""
    import datetime as dt

    from commerce.reports import queries

    def timed(label, call):
        timings, page = [], None
        for _ in range(REPEAT + 1):
            started = time.perf_counter()
            page = call()
            timings.append((time.perf_counter() - started) * 1000)
        median = statistics.median(timings[1:])
        verdict = "met" if median <= TARGET_REPORT_MS else "NOT met"
        print(
            f"  {label:<36}{median:>8.1f} ms (cold {timings[0]:.1f} ms)  {len(page.rows)} rows of {page.count:,}"
            f"  [≤ {TARGET_REPORT_MS} ms: {verdict}]"
        )

    offices = frozenset([office.pk])
    as_of = run.period_end + dt.timedelta(days=45)
    period = (run.period_start, run.period_start)
    print(f"Report screens' queries (commerce.reports.queries, median of {REPEAT} after one cold run):")
    timed("arrears with aging, page 1", lambda: queries.arrears_page(queries.Scope(offices, payer="household"), as_of))
    timed(
        "collection rate by building, page 1",
        lambda: queries.collection_page(queries.Scope(offices, period=period), "building"),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database linli_bench afterwards")
    parser.add_argument("--profile", action="store_true", help="cProfile the billing run; print the top functions")
    args = parser.parse_args()
    if args.units < 1:
        raise SystemExit("--units must be at least 1.")

    created_db = prepare_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from commerce.billing.models import BillLine
    from commerce.billing.runs import execute_run

    try:
        if connection.vendor != "postgresql":
            raise SystemExit(f"bench/billing.py needs PostgreSQL, not {connection.vendor}.")
        clock = Clock()
        print(f"Billing run bench, {args.units:,} units × 3 charge items, PostgreSQL {connection.pg_version}")
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        clock.lap("migrate", started)
        started = time.perf_counter()
        office, _units = create_tree(args.units)
        items = create_charges(office)
        run = create_run(office)
        clock.lap("create units, parking, charge items (bulk)", started)

        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        run = execute_run(run.pk)
        if profiler:
            profiler.disable()
        run_seconds = clock.lap("billing run (execute_run)", started)
        lines = BillLine.objects.filter(bill__run=run).count()
        if run.billed != args.units or lines != args.units * 3 or run.error_count:
            raise SystemExit(
                f"The run did not bill everything: billed {run.billed}, skipped {run.skipped}, "
                f"errors {run.error_count} {run.error_log[:3]}, lines {lines}."
            )

        started = time.perf_counter()
        copy_seconds = copy_baseline(lines, [item.pk for item in items])
        clock.lap(f"COPY baseline ({lines:,} rows, unlogged table)", started)

        started = time.perf_counter()
        paid = pay_bills(office, run)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        clock.lap(f"pay {paid:,} bills (bulk) + ANALYZE", started)

        rate = args.units / run_seconds
        projected = run_seconds * 100_000 / args.units
        print()
        print(f"units:              {args.units:,} ({lines:,} bill lines, {run.billed:,} bills and ledger postings)")
        print(f"billing run:        {run_seconds:.2f} s, {rate:,.0f} units/s")
        print(f"COPY baseline:      {copy_seconds:.3f} s for {lines:,} rows")
        print(f"ratio run / COPY:   {run_seconds / copy_seconds:,.0f}×")
        verdict = "met" if projected <= TARGET_SECONDS_PER_100K else "NOT met"
        scaled = "" if args.units == 100_000 else " (scaled linearly)"
        print(f"target:             100,000 units ≤ {TARGET_SECONDS_PER_100K} s: {projected:,.0f} s{scaled}, {verdict}")
        print()
        print("Reports: query-level equivalents until the report screens exist (SQL only, no view or template;")
        print(f"median of {REPEAT} after one cold run; each query returns the page of {PAGE} and the total count):")
        params = {"office": office.pk, "month": run.period_start, "limit": PAGE}
        report("arrears, first page of 50", ARREARS_SQL, params)
        report("collection rate by building, p. 1", COLLECTION_SQL, params)
        time_report_screens(office, run)

        if profiler:
            print("\nTop functions of the billing run by cumulative time:")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    finally:
        connections.close_all()
        if created_db and not args.keep:
            _admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        elif created_db:
            print(f"kept database {BENCH_DB}")


if __name__ == "__main__":
    main()

"""What only a real PostgreSQL can prove: a run killed midway and run again bills nothing twice."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from commerce.billing import batch, runs
from commerce.billing.models import Bill, BillingRun
from commerce.ledger.models import Entry, Posting
from commerce.ledger.services import household_balance
from tests.factories import UnitFactory

from .conftest import make_item

pytestmark = pytest.mark.postgres


class WorkerKilled(BaseException):
    """Not an Exception: like a killed worker, nothing in the run catches it."""


def _units(site, count):
    return [
        UnitFactory(building=site.building, grid=site.grid, number=f"{n:04d}", floor_area=Decimal("100.00"))
        for n in range(1, count + 1)
    ]


def _january(site):
    return BillingRun.objects.create(
        office=site.office, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 1, 31)
    )


@pytest.mark.django_db(transaction=True)
def test_a_run_killed_midway_and_run_again_bills_nothing_twice(site, clerk, monkeypatch):
    make_item(site.office, "per_area", code="property-fee", price="2.80")
    units = _units(site, 7)
    run = _january(site)
    monkeypatch.setattr(runs, "BATCH_SIZE", 3)
    real_write = batch._write
    calls = []

    def dies_in_the_second_chunk(run_, context, priced):
        calls.append(len(priced))
        real_write(run_, context, priced)  # written inside the chunk's transaction, then lost
        if len(calls) == 2:
            raise WorkerKilled

    monkeypatch.setattr(batch, "_write", dies_in_the_second_chunk)
    with pytest.raises(WorkerKilled):
        runs.execute_run(run.pk)
    assert Bill.objects.count() == 3 and Posting.objects.count() == 3
    assert BillingRun.objects.get(pk=run.pk).status == "running"

    monkeypatch.setattr(batch, "_write", real_write)
    resumed = runs.execute_run(run.pk)
    fresh = runs.execute_run(
        BillingRun.objects.create(office=site.office, period_start=run.period_start, period_end=run.period_end).pk
    )

    assert resumed.status == "done" and (resumed.billed, resumed.skipped) == (4, 3)
    assert (fresh.billed, fresh.skipped) == (0, 7)
    assert Bill.objects.count() == 7 and Posting.objects.count() == 7
    assert Entry.objects.count() == 14
    assert all(household_balance(unit) == Decimal("280.00") for unit in units)


@pytest.mark.django_db(transaction=True)
def test_a_chunk_that_collides_with_another_writer_is_billed_unit_by_unit(site, clerk, monkeypatch):
    """Another writer bills a unit between the chunk's check and its INSERTs: the chunk rolls back whole."""
    make_item(site.office, "per_area", code="property-fee", price="2.80")
    units = _units(site, 5)
    run = _january(site)
    real_price_units = batch.price_units

    rivals = []

    def another_run_bills_unit_three_meanwhile(context, todo):
        priced = real_price_units(context, todo)
        if not rivals:
            rivals.append(
                BillingRun.objects.create(
                    office=site.office, period_start=run.period_start, period_end=run.period_end, status="done"
                )
            )
            with transaction.atomic():
                batch._write(rivals[0], context, [row for row in priced[0] if row[0].pk == units[2].pk])
        return priced

    monkeypatch.setattr(batch, "price_units", another_run_bills_unit_three_meanwhile)
    done = runs.execute_run(run.pk)

    assert (done.billed, done.skipped, done.error_count) == (4, 1, 0)
    assert Bill.objects.exclude(status="voided").count() == 5
    assert Posting.objects.count() == 5
    assert all(household_balance(unit) == Decimal("280.00") for unit in units)


@pytest.mark.django_db(transaction=True)
def test_the_chunked_run_writes_the_same_rows_as_the_one_unit_path(site, clerk, monkeypatch):
    """COPY on PostgreSQL: bills, lines, postings and entries as the ORM would write them."""
    make_item(site.office, "per_area", code="property-fee", price="2.80")
    make_item(site.office, "fixed_per_unit", code="rubbish", price="15.00")
    units = _units(site, 4)
    monkeypatch.setattr(runs, "_bill_one", lambda *args: pytest.fail("fell back to billing one unit at a time"))
    done = runs.execute_run(_january(site).pk)

    assert (done.billed, done.status) == (4, "done")
    bill = Bill.objects.get(unit=units[0])
    assert bill.total == Decimal("295.00") and bill.status == "issued" and bill.payer == "household"
    assert (bill.kind, bill.office, bill.run, bill.note) == ("periodic", site.office, done, "")
    assert sorted(bill.lines.values_list("amount", flat=True)) == [Decimal("15.00"), Decimal("280.00")]
    assert bill.posting.idempotency_key == f"bill:{units[0].pk}:2026-01"
    assert sorted(bill.posting.entries.values_list("amount", flat=True)) == [
        Decimal("-280.00"),
        Decimal("-15.00"),
        Decimal("295.00"),
    ]
    assert bill.created_at is not None and bill.posting.created_at is not None

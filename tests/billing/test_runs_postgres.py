"""What only a real PostgreSQL can prove: a run killed midway and run again bills nothing twice."""

import datetime
from decimal import Decimal

import pytest

from commerce.billing import runs
from commerce.billing.models import Bill, BillingRun
from commerce.ledger.models import Posting
from commerce.ledger.services import household_balance
from tests.factories import UnitFactory

from .conftest import make_item

pytestmark = pytest.mark.postgres


class WorkerKilled(BaseException):
    """Not an Exception: like a killed worker, nothing in the run catches it."""


@pytest.mark.django_db(transaction=True)
def test_a_run_killed_midway_and_run_again_bills_nothing_twice(site, clerk, monkeypatch):
    make_item(site.office, "per_area", code="property-fee", price="2.80")
    units = [
        UnitFactory(building=site.building, grid=site.grid, number=f"{n:04d}", floor_area=Decimal("100.00"))
        for n in range(1, 8)
    ]
    run = BillingRun.objects.create(
        office=site.office, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 1, 31)
    )
    real_bill_unit = runs._bill_unit
    calls = []

    def dies_on_the_fourth_unit(run_, unit, items):
        calls.append(unit.pk)
        if len(calls) == 4:
            real_bill_unit(run_, unit, items)  # written inside the unit's transaction, then lost
            raise WorkerKilled
        return real_bill_unit(run_, unit, items)

    monkeypatch.setattr(runs, "_bill_unit", dies_on_the_fourth_unit)
    with pytest.raises(WorkerKilled):
        runs.execute_run(run.pk)
    assert Bill.objects.count() == 3 and Posting.objects.count() == 3
    assert BillingRun.objects.get(pk=run.pk).status == "running"

    monkeypatch.setattr(runs, "_bill_unit", real_bill_unit)
    resumed = runs.execute_run(run.pk)
    fresh = runs.execute_run(
        BillingRun.objects.create(office=site.office, period_start=run.period_start, period_end=run.period_end).pk
    )

    assert resumed.status == "done" and (resumed.billed, resumed.skipped) == (4, 3)
    assert (fresh.billed, fresh.skipped) == (0, 7)
    assert Bill.objects.count() == 7 and Posting.objects.count() == 7
    assert all(household_balance(unit) == Decimal("280.00") for unit in units)

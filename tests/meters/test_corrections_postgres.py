"""What only a real PostgreSQL can prove: two clerks correcting one reading at once are applied one after the other."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from commerce.billing import runs
from commerce.billing.models import BillingRun
from commerce.meters import corrections
from commerce.meters.models import ReadingCorrection, UsageCorrection

from .conftest import meter, reading

pytestmark = pytest.mark.postgres

D = Decimal


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_corrections_of_one_reading_chain_and_bill_the_total_difference_once(
    site, water, units, clerk, manager
):
    m = meter(site.office, water, "W-1101", unit=units[0])
    reading(m, "2025-12-31", "100")
    jan = reading(m, "2026-01-31", "110", previous="100")
    run = BillingRun.objects.create(
        office=site.office, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 1, 31)
    )
    runs.execute_run(run.pk)
    start, errors = threading.Barrier(2), []

    def correct(value, by):
        try:
            start.wait()
            corrections.correct_reading(jan, value, by, f"set to {value}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=correct, args=args) for args in (("120", clerk), ("130", manager))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    first, second = ReadingCorrection.objects.order_by("pk")
    assert second.old_value == first.new_value  # the second saw the first's value, not the stale 110
    usage = list(UsageCorrection.objects.order_by("pk"))
    assert usage[1].usage_before == usage[0].usage_after and usage[1].amount_before == usage[0].amount_after
    jan.refresh_from_db()
    final = jan.value - D("100")
    assert sum(u.amount for u in usage) == final * D("3.50") - D("35.00")

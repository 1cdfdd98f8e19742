"""Concurrency on PostgreSQL: two nightly workers, two approvals for one bill."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from commerce.adjustments import latefees, waivers
from commerce.adjustments.models import AdjustmentRequest, BillAdjustment
from commerce.ledger.models import Posting
from commerce.payments import services as payments

from .conftest import day, make_policy

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*jobs):
    barrier = threading.Barrier(len(jobs))
    outcomes = []

    def run(job):
        try:
            barrier.wait()
            outcomes.append(job())
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_workers_accruing_the_same_night_charge_each_day_once(site, unit, bills):
    make_policy(site.office)
    run_together(*[lambda: latefees.accrue_office(site.office.pk, day("2025-02-25"))] * 3)
    jan = bills[0]
    fees = BillAdjustment.objects.filter(bill=jan, kind="late_fee")
    assert fees.count() == 10
    assert sum(fees.values_list("amount", flat=True)) == Decimal("1.00")
    assert Posting.objects.filter(idempotency_key__startswith=f"latefee:{jan.pk}:").count() == 10


def test_two_approvals_cannot_waive_more_than_the_bill_owes(unit, bills, clerk, manager, second_manager):
    first = waivers.request_adjustment(bills[0], clerk, "waiver", "One", amount="70")
    second = waivers.request_adjustment(bills[0], clerk, "waiver", "Two", amount="70")
    outcomes = run_together(
        lambda: waivers.approve(first, manager).status, lambda: waivers.approve(second, second_manager).status
    )
    refused = [outcome for outcome in outcomes if outcome != "approved"]
    assert len(refused) == 1 and refused[0].startswith("¥70.00 is more than the ¥30.00"), outcomes
    assert AdjustmentRequest.objects.filter(status="approved").count() == 1
    assert payments.outstanding(bills[0]) == Decimal("30.00")

"""Nightly late fees: modes, grace, cap, catch-up, idempotency, payments stopping or lowering the accrual.

The Jan 2025 bill of ¥100 is due on 2025-02-15; at the default rate of 0.001 a day it accrues ¥0.10 a day.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from commerce.adjustments import latefees
from commerce.adjustments.models import BillAdjustment, LateFeePolicy
from commerce.adjustments.tasks import SCHEDULE_NAME, accrue_late_fees
from commerce.billing.models import Bill
from commerce.ledger.models import Entry, Posting
from commerce.ledger.services import balance, household_balance
from commerce.payments import services as payments
from portal.properties.models import Unit
from tests.factories import UnitFactory

from .conftest import accrue, day, make_policy, pay, run_month

pytestmark = pytest.mark.django_db

D = Decimal


def fees_of(bill):
    return list(
        BillAdjustment.objects.filter(bill=bill, kind=BillAdjustment.Kind.LATE_FEE)
        .order_by("accrual_date")
        .values_list("accrual_date", "amount")
    )


def assert_ledger_balanced():
    for posting in Posting.objects.prefetch_related("entries"):
        assert sum((e.amount for e in posting.entries.all()), D("0")) == 0, posting.idempotency_key
    assert sum((e.amount for e in Entry.objects.all()), D("0")) == 0


SCENARIOS = [
    # id, policy fields, actions, expected days, expected total
    ("none", {"mode": "none", "daily_rate": None}, [("accrue", "2025-02-25")], 0, "0.00"),
    ("daily rate", {}, [("accrue", "2025-02-25")], 10, "1.00"),
    ("small daily rate", {"daily_rate": D("0.0003")}, [("accrue", "2025-02-25")], 10, "0.30"),
    ("not yet due", {}, [("accrue", "2025-02-15")], 0, "0.00"),
    ("grace days", {"grace_days": 5}, [("accrue", "2025-02-25")], 5, "0.50"),
    ("longer time to pay", {"due_days": 30}, [("accrue", "2025-03-05")], 3, "0.30"),
    ("policy starts later", {"starts_on": "2025-02-20"}, [("accrue", "2025-02-25")], 6, "0.60"),
    # 0.30 a day under a cap of 1% of ¥100: 0.30, 0.30, 0.30, then the 0.10 left, then nothing.
    ("cap reached mid-way", {"daily_rate": D("0.003"), "cap_percent": D("1")}, [("accrue", "2025-03-10")], 4, "1.00"),
    ("catch-up", {}, [("accrue", "2025-02-18"), ("accrue", "2025-02-25")], 10, "1.00"),
    ("missed nights", {}, [("accrue", "2025-02-25")], 10, "1.00"),
    ("same day twice", {}, [("accrue", "2025-02-25"), ("accrue", "2025-02-25")], 10, "1.00"),
    ("earlier day after a later one", {}, [("accrue", "2025-02-25"), ("accrue", "2025-02-20")], 10, "1.00"),
    # Paid in full (with the 4 days of fees) on the 19th: no fee from the 20th on.
    (
        "paid bill stops",
        {},
        [("accrue", "2025-02-19"), ("pay", "2025-02-19", "100.40"), ("accrue", "2025-02-25")],
        4,
        "0.40",
    ),
    # ¥60 paid on the 19th goes to the charges first: from the 20th, 0.001 × ¥40 = 0.04 a day for 6 days.
    (
        "partly paid",
        {},
        [("accrue", "2025-02-19"), ("pay", "2025-02-19", "60.00"), ("accrue", "2025-02-25")],
        10,
        "0.64",
    ),
    # Paid on the 18th while the nights were missed: the catch-up charges ¥100's fee up to the 18th, ¥40's after.
    ("paid, then caught up", {}, [("pay", "2025-02-18", "60.00"), ("accrue", "2025-02-25")], 10, "0.58"),
]


@pytest.mark.parametrize(
    ("policy_fields", "actions", "days", "total"),
    [pytest.param(*scenario[1:], id=scenario[0]) for scenario in SCENARIOS],
)
def test_late_fee_scenarios(site, unit, bills, clerk, policy_fields, actions, days, total):
    if "starts_on" in policy_fields:
        policy_fields = {**policy_fields, "starts_on": day(policy_fields["starts_on"])}
    make_policy(site.office, **policy_fields)
    jan, feb = bills
    paid = D("0.00")
    for action, on, *amount in actions:
        if action == "accrue":
            accrue(site.office, on)
        else:
            pay(clerk, unit, amount[0], [jan], on)
            paid += D(amount[0])
    fees = fees_of(jan)
    assert len(fees) == days
    assert sum((amount for _day, amount in fees), D("0.00")) == D(total)
    assert [d for d, _amount in fees] == sorted({d for d, _amount in fees})  # one per day
    assert fees_of(feb) == []  # the Feb bill is not due before 2025-03-15
    # The household owes both bills plus the late fees minus what it paid; the income account has the fees.
    assert household_balance(unit) == D("200.00") + D(total) - paid
    if days:
        income = latefees.late_fee_account(site.office.region.company, site.office)
        # The neighbour's unpaid Jan bill accrues too.
        all_fees = sum(BillAdjustment.objects.filter(kind="late_fee").values_list("amount", flat=True))
        assert balance(income) == -all_fees
        assert Posting.objects.filter(kind="late_fee", idempotency_key__startswith=f"latefee:{jan.pk}:").count() == days
        first = Posting.objects.get(idempotency_key=f"latefee:{jan.pk}:{fees[0][0]:%Y-%m-%d}")
        assert {(e.account.kind, e.amount) for e in first.entries.select_related("account")} == {
            ("household", fees[0][1]),
            ("income", -fees[0][1]),
        }
    assert_ledger_balanced()
    assert payments.outstanding(jan) == max(D("0.00"), D("100.00") + D(total) - paid)


def test_paying_a_bill_with_late_fees_settles_the_fees_too(site, unit, bills, clerk, policy):
    jan, _feb = bills
    accrue(site.office, "2025-02-25")
    assert payments.outstanding(jan) == D("101.00")
    payment = payments.record_desk_payment(clerk, unit, "101.00", "cash", bills=[jan])
    assert payment.allocations.get().amount == D("101.00")
    assert payments.outstanding(jan) == D("0.00")
    assert [bill.pk for bill in payments.due_bills(unit)] == [_feb.pk]


def test_a_fee_that_rounds_to_nothing_is_not_charged(site, unit, bills, clerk, policy):
    jan, _feb = bills
    pay(clerk, unit, "99.99", [jan], "2025-02-01")  # ¥0.01 × 0.001 rounds to ¥0.00
    accrue(site.office, "2025-02-25")
    assert fees_of(jan) == []


def test_developer_bills_accrue_no_late_fee(site, policy):
    unsold = UnitFactory(building=site.building, grid=site.grid, number="901", status=Unit.Status.UNSOLD)
    from tests.billing.conftest import make_item

    make_item(site.office, "fixed_per_unit", price="100.00")
    bill = run_month(site.office, 2025, 1).bills.get(unit=unsold)
    assert bill.payer == Bill.Payer.DEVELOPER
    accrue(site.office, "2025-03-01")
    assert fees_of(bill) == []


def test_voided_bills_accrue_no_late_fee(site, unit, bills, manager, policy):
    from commerce.billing import runs

    jan, _feb = bills
    runs.void_run(jan.run, manager, "Wrong standard")
    accrue(site.office, "2025-02-25")
    assert fees_of(jan) == []


def test_other_offices_policies_do_not_apply(site, other_site, unit, bills):
    make_policy(other_site.office)
    accrue(site.office, "2025-02-25")
    assert not BillAdjustment.objects.exists()


def test_the_cap_counts_fees_already_waived(site, unit, bills, manager):
    """Waiving late fees does not make room under the cap for new ones."""
    make_policy(site.office, daily_rate=D("0.003"), cap_percent=D("1"))
    jan, _feb = bills
    accrue(site.office, "2025-02-17")  # 0.60
    latefees.waive_late_fees(jan, manager, "Goodwill")
    accrue(site.office, "2025-03-10")
    assert sum(amount for _d, amount in fees_of(jan)) == D("1.00")
    assert payments.outstanding(jan) == D("100.40")


def test_the_nightly_task_covers_every_office_with_a_policy(site, other_site, unit, bills, policy):
    other_unit = UnitFactory(building=other_site.building, grid=other_site.grid, number="101")
    from tests.billing.conftest import make_item

    make_item(other_site.office, "fixed_per_unit", price="50.00")
    other_bill = run_month(other_site.office, 2025, 1).bills.get(unit=other_unit)
    make_policy(other_site.office, daily_rate=D("0.002"))
    accrue_late_fees.delay("2025-02-20")
    assert len(fees_of(bills[0])) == 5
    assert fees_of(other_bill)[0][1] == D("0.10")  # 0.002 × ¥50
    assert len(fees_of(other_bill)) == 5


def test_the_nightly_schedule_is_registered_with_beat():
    task = PeriodicTask.objects.get(name=SCHEDULE_NAME)
    assert task.task == "commerce.adjustments.tasks.accrue_late_fees"
    assert (task.crontab.hour, task.crontab.minute) == ("1", "30")
    assert task.enabled


def test_accrual_batches_its_reads(site, bills, policy):
    """Reads do not grow with the number of bills: a few queries per chunk, writes per bill charged."""
    for number in range(5):
        UnitFactory(building=site.building, grid=site.grid, number=f"20{number}")
    # Bill the new units for Jan too (the run skips units already billed).
    run_month(site.office, 2025, 1)
    accrue(site.office, "2025-02-25")
    with CaptureQueriesContext(connection) as queries:
        accrue(site.office, "2025-02-25")  # nothing left to charge
    assert len(queries) <= 8
    assert (
        BillAdjustment.objects.filter(accrual_date=day("2025-02-25")).count()
        == Bill.objects.filter(period_start=day("2025-01-01"), payer="household").count()
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"daily_rate": D("0")}, "more than 0 and at most 0.01"),
        ({"daily_rate": D("0.02")}, "more than 0 and at most 0.01"),
        ({"daily_rate": None}, "Give the daily rate"),
        ({"cap_percent": D("0")}, "more than 0% and at most 100%"),
        ({"cap_percent": D("150")}, "more than 0% and at most 100%"),
    ],
)
def test_a_bad_policy_is_refused(site, fields, message):
    with pytest.raises(Exception) as caught:
        make_policy(site.office, **fields)
    assert message in str(caught.value)
    assert not LateFeePolicy.objects.exists()


def test_late_fees_resume_after_a_refund_makes_the_bill_owe_again(site, unit, bills, clerk, policy):
    import datetime as dt

    from commerce.payments import refunds
    from commerce.payments.models import Refund

    jan, _feb = bills
    accrue(site.office, "2025-02-19")  # 4 days: ¥0.40
    payment = pay(clerk, unit, "100.40", [jan], "2025-02-19")
    accrue(site.office, "2025-02-21")
    assert len(fees_of(jan)) == 4

    refund = refunds.request_refund(clerk, payment, "50.00", "Charged twice for the gym")
    refunded_at = timezone.make_aware(dt.datetime(2025, 2, 21, 10, 0))
    Refund.objects.filter(pk=refund.pk).update(decided_at=refunded_at)
    accrue(site.office, "2025-02-25")

    # From the 22nd, ¥50 owes again: 0.001 × ¥50 = ¥0.05 a day for 4 days.
    fees = fees_of(jan)
    assert [d for d, _amount in fees][4:] == [day(f"2025-02-{n}") for n in (22, 23, 24, 25)]
    assert sum((amount for _day, amount in fees), D("0.00")) == D("0.60")
    assert_ledger_balanced()

"""Waiving late fees, and waiver/discount requests decided by an office manager."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commerce.adjustments import latefees, waivers
from commerce.adjustments.models import AdjustmentRequest, BillAdjustment
from commerce.billing import runs
from commerce.ledger.models import Entry, Posting
from commerce.ledger.services import balance, household_balance, system_account
from commerce.payments import services as payments
from tests.billing.conftest import make_item

from .conftest import accrue, run_month

pytestmark = pytest.mark.django_db

D = Decimal


def ledger_is_balanced():
    return sum((e.amount for e in Entry.objects.all()), D("0")) == 0


# Waiving late fees --------------------------------------------------------------------------------


@pytest.fixture
def jan_with_fees(site, bills, policy):
    accrue(site.office, "2025-02-25")  # ten days of ¥0.10
    return bills[0]


def test_a_manager_waives_part_of_the_late_fees_with_a_red_letter_posting(site, unit, jan_with_fees, manager):
    jan = jan_with_fees
    waiver = latefees.waive_late_fees(jan, manager, "First time late", "0.40")
    assert (waiver.kind, waiver.amount, waiver.reason, waiver.created_by) == (
        "late_fee_waiver",
        D("-0.40"),
        "First time late",
        manager,
    )
    posting = waiver.posting
    assert (posting.kind, posting.reason) == ("waiver", "First time late")
    assert {(e.account.kind, e.account.charge_code, e.amount) for e in posting.entries.select_related("account")} == {
        ("household", "", D("-0.40")),
        ("income", "late-fee", D("0.40")),
    }
    assert payments.outstanding(jan) == D("100.60")
    assert household_balance(unit) == D("200.00") + D("1.00") - D("0.40")
    assert latefees.waivable_late_fees(jan) == D("0.60")
    assert ledger_is_balanced()


def test_waiving_all_takes_what_is_left(jan_with_fees, manager):
    latefees.waive_late_fees(jan_with_fees, manager, "Hardship", "0.25")
    rest = latefees.waive_late_fees(jan_with_fees, manager, "Hardship")
    assert rest.amount == D("-0.75")
    assert payments.outstanding(jan_with_fees) == D("100.00")
    with pytest.raises(ValidationError, match="no late fees left to waive"):
        latefees.waive_late_fees(jan_with_fees, manager, "Again")


def test_waiving_more_than_the_late_fees_left_is_refused(jan_with_fees, manager):
    latefees.waive_late_fees(jan_with_fees, manager, "Part", "0.80")
    with pytest.raises(ValidationError, match=r"¥0.30 is more than the ¥0.20 of late fees left"):
        latefees.waive_late_fees(jan_with_fees, manager, "Too much", "0.30")
    assert BillAdjustment.objects.filter(kind="late_fee_waiver").count() == 1


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [("0", "Goodwill", "more than zero"), ("0.123", "Goodwill", "2 decimal places"), ("0.10", "  ", "reason")],
)
def test_bad_late_fee_waivers_change_nothing(jan_with_fees, manager, amount, reason, message):
    with pytest.raises(ValidationError, match=message):
        latefees.waive_late_fees(jan_with_fees, manager, reason, amount)
    assert not Posting.objects.filter(kind="waiver").exists()


def test_only_managers_of_the_office_waive_late_fees(jan_with_fees, clerk, other_manager, headquarters):
    for user in (clerk, other_manager):
        with pytest.raises(PermissionDenied):
            latefees.waive_late_fees(jan_with_fees, user, "Please")
    assert latefees.waive_late_fees(jan_with_fees, headquarters, "HQ goodwill").amount == D("-1.00")


def test_the_same_form_token_waives_once(jan_with_fees, manager):
    first = latefees.waive_late_fees(jan_with_fees, manager, "Once", "0.50", token="abc")
    again = latefees.waive_late_fees(jan_with_fees, manager, "Once", "0.50", token="abc")
    assert first == again
    assert payments.outstanding(jan_with_fees) == D("100.50")


# Waiver and discount requests ---------------------------------------------------------------------


@pytest.fixture
def three_line_bill(site, unit):
    """A Jan bill of ¥100 in three lines of ¥33.33, ¥33.33 and ¥33.34."""
    make_item(site.office, "fixed_per_unit", code="fee-a", price="33.33")
    make_item(site.office, "fixed_per_unit", code="fee-b", price="33.33")
    make_item(site.office, "fixed_per_unit", code="fee-c", price="33.34")
    return run_month(site.office, 2025, 1).bills.get(unit=unit)


def test_an_approved_waiver_credits_the_household_and_debits_each_item_in_proportion(
    site, unit, three_line_bill, clerk, manager
):
    bill = three_line_bill
    request = waivers.request_adjustment(bill, clerk, "waiver", "Water leak damage", amount="10.00")
    assert request.status == "requested" and not Posting.objects.filter(kind="waiver").exists()
    approved = waivers.approve(request, manager, "Checked the leak report")
    assert (approved.status, approved.decided_by, approved.decision_note) == (
        "approved",
        manager,
        "Checked the leak report",
    )
    assert approved.decided_at is not None
    adjustment = approved.adjustment
    assert (adjustment.kind, adjustment.amount, adjustment.reason) == ("waiver", D("-10.00"), "Water leak damage")
    entries = {
        (e.account.charge_code or e.account.kind, e.amount)
        for e in adjustment.posting.entries.select_related("account")
    }
    # 10.00 × 33.33/100 = 3.333 → 3.33 twice; the cent left goes to the largest remainder (33.34 → 3.334).
    assert entries == {("household", D("-10.00")), ("fee-a", D("3.33")), ("fee-b", D("3.33")), ("fee-c", D("3.34"))}
    assert adjustment.posting.kind == "waiver" and adjustment.posting.reason == "Water leak damage"
    assert payments.outstanding(bill) == D("90.00")
    assert household_balance(unit) == D("90.00")
    company = site.office.region.company
    assert balance(system_account(company, "income", "fee-c", office=site.office)) == D("-30.00")
    assert ledger_is_balanced()


@pytest.mark.parametrize(
    ("amount", "shares"),
    [
        ("0.01", ["0.00", "0.00", "0.01"]),
        ("0.02", ["0.01", "0.00", "0.01"]),
        ("99.99", ["33.33", "33.33", "33.33"]),
        ("100.00", ["33.33", "33.33", "33.34"]),
    ],
)
def test_shares_of_the_lines_are_exact_cents_adding_up(three_line_bill, amount, shares):
    split = dict(waivers.split_by_lines(three_line_bill, D(amount)))
    assert sum(split.values(), D("0")) == D(amount)
    assert [split.get(code, D("0.00")) for code in ("fee-a", "fee-b", "fee-c")] == [D(s) for s in shares]


def test_a_discount_by_percentage(unit, bills, front_desk, manager):
    request = waivers.request_adjustment(bills[0], front_desk, "discount", "Elderly household", percent="12.5")
    assert (request.amount, request.percent) == (D("12.50"), D("12.50"))
    waivers.approve(request, manager)
    assert payments.outstanding(bills[0]) == D("87.50")
    assert BillAdjustment.objects.get(kind="discount").amount == D("-12.50")


def test_a_manager_cannot_approve_their_own_request(bills, manager, second_manager):
    request = waivers.request_adjustment(bills[0], manager, "waiver", "Goodwill", amount="5")
    with pytest.raises(PermissionDenied, match="your own request"):
        waivers.approve(request, manager)
    request.refresh_from_db()
    assert request.status == "requested" and not BillAdjustment.objects.exists()
    waivers.approve(request, second_manager)
    assert payments.outstanding(bills[0]) == D("95.00")


def test_only_a_manager_of_the_office_or_headquarters_decides(bills, clerk, front_desk, other_manager, headquarters):
    request = waivers.request_adjustment(bills[0], clerk, "waiver", "Goodwill", amount="5")
    for user in (front_desk, other_manager):
        with pytest.raises(PermissionDenied):
            waivers.approve(request, user)
        with pytest.raises(PermissionDenied):
            waivers.reject(request, user, "No")
    assert not BillAdjustment.objects.exists()
    assert waivers.approve(request, headquarters).status == "approved"


def test_staff_of_another_office_cannot_request(bills, other_clerk):
    with pytest.raises(PermissionDenied):
        waivers.request_adjustment(bills[0], other_clerk, "waiver", "Goodwill", amount="5")
    assert not AdjustmentRequest.objects.exists()


def test_a_rejected_request_posts_nothing_and_cannot_be_approved_later(unit, bills, clerk, manager):
    request = waivers.request_adjustment(bills[0], clerk, "discount", "Asked nicely", amount="20")
    with pytest.raises(ValidationError, match="Say why"):
        waivers.reject(request, manager, " ")
    rejected = waivers.reject(request, manager, "No grounds")
    assert (rejected.status, rejected.decision_note, rejected.adjustment) == ("rejected", "No grounds", None)
    assert not Posting.objects.filter(kind="waiver").exists()
    assert household_balance(unit) == D("200.00")
    with pytest.raises(ValidationError, match="cannot go from “Rejected” to “Approved”"):
        waivers.approve(request, manager)
    assert not BillAdjustment.objects.exists()


def test_an_approved_request_is_approved_once(bills, clerk, manager):
    request = waivers.request_adjustment(bills[0], clerk, "waiver", "Goodwill", amount="5")
    waivers.approve(request, manager)
    with pytest.raises(ValidationError, match="cannot go from “Approved”"):
        waivers.approve(request, manager)
    assert Posting.objects.filter(kind="waiver").count() == 1


def test_only_the_requester_withdraws(bills, clerk, front_desk, manager):
    request = waivers.request_adjustment(bills[0], clerk, "waiver", "Goodwill", amount="5")
    with pytest.raises(PermissionDenied):
        waivers.withdraw(request, front_desk)
    assert waivers.withdraw(request, clerk).status == "withdrawn"
    with pytest.raises(ValidationError, match="cannot go from “Withdrawn”"):
        waivers.approve(request, manager)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "150.00"}, "¥150.00 is more than the ¥100.00 of charges the bill of 2025-01 still owes"),
        ({"amount": "0"}, "more than zero"),
        ({"amount": "-5"}, "must not be negative"),
        ({"amount": "1.001"}, "2 decimal places"),
        ({"amount": "5", "percent": "10"}, "either an amount or a percentage"),
        ({}, "either an amount or a percentage"),
        ({"percent": "101"}, "at most 100"),
        ({"percent": "abc"}, "percentage such as"),
    ],
)
def test_bad_requests_are_refused(bills, clerk, fields, message):
    with pytest.raises(ValidationError, match=message):
        waivers.request_adjustment(bills[0], clerk, "waiver", "Goodwill", **fields)
    assert not AdjustmentRequest.objects.exists()


def test_approval_is_refused_when_the_bill_no_longer_owes_that_much(unit, bills, clerk, manager):
    request = waivers.request_adjustment(bills[0], clerk, "waiver", "Goodwill", amount="80")
    payments.record_desk_payment(clerk, unit, "50", "cash", bills=[bills[0]])
    with pytest.raises(ValidationError, match="¥80.00 is more than the ¥50.00"):
        waivers.approve(request, manager)
    request.refresh_from_db()
    assert request.status == "requested" and not BillAdjustment.objects.exists()


def test_a_waiver_never_takes_back_late_fees(site, bills, clerk, policy):
    accrue(site.office, "2025-02-25")  # ¥1.00 of late fees on top of ¥100
    with pytest.raises(ValidationError, match="more than the ¥100.00 of charges"):
        waivers.request_adjustment(bills[0], clerk, "waiver", "Goodwill", amount="100.50")


def test_paid_and_voided_bills_are_refused(unit, bills, clerk, manager):
    jan, feb = bills
    payments.record_desk_payment(clerk, unit, "100", "cash", bills=[jan])
    with pytest.raises(ValidationError, match="already paid"):
        waivers.request_adjustment(jan, clerk, "waiver", "Goodwill", amount="5")
    runs.void_run(feb.run, manager, "Wrong month")
    feb.refresh_from_db()
    with pytest.raises(ValidationError, match="was voided"):
        waivers.request_adjustment(feb, clerk, "waiver", "Goodwill", amount="5")


def test_household_balance_is_bills_plus_fees_minus_waivers_minus_paid(site, unit, bills, clerk, manager, policy):
    jan, feb = bills
    accrue(site.office, "2025-02-25")  # +1.00
    latefees.waive_late_fees(jan, manager, "Goodwill", "0.30")  # −0.30
    waivers.approve(waivers.request_adjustment(feb, clerk, "discount", "Promotion", amount="10"), manager)  # −10
    payments.record_desk_payment(clerk, unit, "50", "cash", bills=[jan])  # −50
    assert household_balance(unit) == D("200.00") + D("1.00") - D("0.30") - D("10.00") - D("50.00")
    owed = payments.outstanding_by_bill([jan, feb])
    assert owed == {jan.pk: D("50.70"), feb.pk: D("90.00")}
    assert sum(owed.values()) == household_balance(unit)
    assert ledger_is_balanced()

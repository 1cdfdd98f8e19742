"""Importing the bank's result file: payments for collected lines, failures, refusals, idempotency."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from commerce.collection import services
from commerce.collection.models import CollectionBatch, CollectionLine
from commerce.ledger.models import Entry, Posting
from commerce.ledger.services import household_balance
from commerce.payments.models import Payment, PaymentAllocation
from commerce.payments.services import outstanding_by_bill
from portal.properties.tabular import ImportRefused
from tests.collection.conftest import csv_file, result_rows

pytestmark = pytest.mark.django_db


def test_a_collected_line_becomes_a_bank_collection_payment_of_its_bills(clerk, unit, neighbour_unit, bills, batch):
    outcome = services.import_results(
        clerk, batch, csv_file(result_rows(batch, [("success", ""), ("failure", "Insufficient funds")]))
    )
    assert (outcome.paid, outcome.failed, outcome.unchanged, outcome.paid_amount) == (1, 1, 0, Decimal("200.00"))
    paid, failed = batch.lines.order_by("pk")
    payment = paid.payment
    assert (payment.method, payment.status, payment.amount, payment.unit) == (
        Payment.Method.BANK_COLLECTION,
        Payment.Status.SUCCEEDED,
        Decimal("200.00"),
        unit,
    )
    assert payment.receipt_number and payment.created_by == clerk and payment.provider_reference == paid.reference
    assert sorted((a.bill_id, a.amount) for a in PaymentAllocation.objects.filter(payment=payment)) == [
        (bills[0].pk, Decimal("100.00")),
        (bills[1].pk, Decimal("100.00")),
    ]
    assert set(outstanding_by_bill(bills).values()) == {Decimal("0.00")}
    assert household_balance(unit) == Decimal("0.00")
    assert household_balance(neighbour_unit) == Decimal("200.00")
    assert (failed.status, failed.failure_reason, failed.payment) == ("failed", "Insufficient funds", None)
    batch.refresh_from_db()
    assert batch.status == CollectionBatch.Status.RESULT_IMPORTED and batch.result_file_name == "result.csv"


def test_chinese_headers_and_result_words_are_understood(clerk, batch):
    rows = result_rows(batch, [("成功", ""), ("失败", "账户余额不足")])
    outcome = services.import_results(
        clerk, batch, csv_file(rows, header=("明细编号", "账号", "金额", "结果", "失败原因"))
    )
    assert (outcome.paid, outcome.failed) == (1, 1)
    assert batch.lines.order_by("pk").last().failure_reason == "账户余额不足"


def test_reimporting_the_same_file_changes_nothing(clerk, unit, batch):
    rows = result_rows(batch, [("success", ""), ("failure", "Closed account")])
    services.import_results(clerk, batch, csv_file(rows))
    counts = (Payment.objects.count(), Posting.objects.count(), Entry.objects.count())
    lines = list(CollectionLine.objects.values_list("status", "failure_reason", "payment_id", "result_at"))
    outcome = services.import_results(clerk, batch, csv_file(rows))
    assert (outcome.paid, outcome.failed, outcome.unchanged) == (0, 0, 2)
    assert (Payment.objects.count(), Posting.objects.count(), Entry.objects.count()) == counts
    assert list(CollectionLine.objects.values_list("status", "failure_reason", "payment_id", "result_at")) == lines
    assert household_balance(unit) == Decimal("0.00")


def test_results_may_come_in_two_files(clerk, batch):
    first, second = result_rows(batch, [("success", ""), ("success", "")])
    assert services.import_results(clerk, batch, csv_file([first])).paid == 1
    outcome = services.import_results(clerk, batch, csv_file([first, second]))
    assert (outcome.paid, outcome.unchanged) == (1, 1)
    assert Payment.objects.filter(method="bank_collection").count() == 2


BAD_ROWS = [
    ("unknown reference", lambda r: ("CB99999-0001", *r[1:]), "Unknown line reference “CB99999-0001”"),
    ("amount mismatch", lambda r: (r[0], r[1], "199.99", *r[3:]), "The amount 199.99 does not match the 200.00"),
    ("account mismatch", lambda r: (r[0], "6222000099999999", *r[2:]), "account number does not match"),
    ("malformed amount", lambda r: (r[0], r[1], "2OO.00", *r[3:]), "“2OO.00” is not a valid amount"),
    ("unknown result", lambda r: (*r[:3], "maybe", ""), "Unknown result “maybe”"),
    ("missing reference", lambda r: ("", *r[1:]), "Line reference is missing"),
    ("missing result", lambda r: (*r[:3], "", ""), "Result is missing"),
]


@pytest.mark.parametrize(("case", "spoil", "message"), BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
def test_a_file_with_a_bad_row_imports_nothing_and_names_the_row(clerk, batch, case, spoil, message):
    good, bad = result_rows(batch, [("success", ""), ("success", "")])
    with pytest.raises(ImportRefused) as refused:
        services.import_results(clerk, batch, csv_file([good, spoil(bad)]))
    assert [(e.line, message in e.message) for e in refused.value.errors] == [(3, True)]
    assert not Payment.objects.exists()
    assert set(CollectionLine.objects.values_list("status", flat=True)) == {"sent"}
    batch.refresh_from_db()
    assert batch.status == "exported" and batch.result_file_name == ""


def test_every_bad_row_is_listed_with_its_line_number(clerk, batch):
    first, second = result_rows(batch, [("success", ""), ("success", "")])
    rows = [first, (second[0], second[1], "x", "success", ""), first, ("CB0-0", "1", "1", "ok", "")]
    with pytest.raises(ImportRefused) as refused:
        services.import_results(clerk, batch, csv_file(rows))
    assert [e.line for e in refused.value.errors] == [3, 4, 5]
    assert "also appears on line 2" in refused.value.errors[1].message
    assert not Payment.objects.exists()


def test_a_line_already_processed_with_another_outcome_is_refused(clerk, batch):
    rows = result_rows(batch, [("failure", "No funds"), ("success", "")])
    services.import_results(clerk, batch, csv_file(rows))
    flipped = [(*rows[0][:3], "success", ""), rows[1]]
    with pytest.raises(ImportRefused) as refused:
        services.import_results(clerk, batch, csv_file(flipped))
    assert [(e.line, e.message) for e in refused.value.errors] == [(2, "This line was already processed as “Failed”.")]
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "r.csv", "empty"),
        (b"line reference,account number,amount,result\n", "r.csv", "no rows"),
        (b"reference,colour\nx,y\n", "r.csv", "Unknown column"),
        (b"whatever", "r.pdf", "Upload a .csv or .xlsx file"),
    ],
)
def test_an_unreadable_file_is_refused(clerk, batch, content, name, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ImportRefused) as refused:
        services.import_results(clerk, batch, SimpleUploadedFile(name, content, content_type="text/csv"))
    assert any(message in e.message for e in refused.value.errors)
    assert not Payment.objects.exists()


def test_closing_fails_the_unanswered_lines_and_refuses_more_results(clerk, batch):
    rows = result_rows(batch, [("success", ""), ("success", "")])
    services.import_results(clerk, batch, csv_file(rows[:1]))
    closed = services.close_batch(clerk, batch)
    assert closed.status == "closed"
    assert list(batch.lines.order_by("pk").values_list("status", flat=True)) == ["paid", "failed"]
    assert "No result from the bank" in batch.lines.order_by("pk").last().failure_reason
    with pytest.raises(ImportRefused, match="closed"):
        services.import_results(clerk, batch, csv_file(rows))
    assert Payment.objects.count() == 1


def test_an_exported_batch_cannot_be_closed_before_its_result(clerk, batch):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="cannot go from"):
        services.close_batch(clerk, batch)


def test_money_beyond_what_is_still_owed_stays_as_prepayment(clerk, unit, bills, batch):
    from commerce.payments.services import record_desk_payment

    record_desk_payment(clerk, unit, Decimal("100.00"), "cash")
    services.import_results(clerk, batch, csv_file(result_rows(batch, [("success", ""), ("success", "")])))
    payment = batch.lines.get(unit=unit).payment
    assert payment.prepaid_amount == Decimal("100.00")
    assert household_balance(unit) == Decimal("-100.00")


@pytest.mark.parametrize("who", ["front_desk", "other_clerk"])
def test_only_billing_staff_of_the_office_import(request, batch, who):
    rows = result_rows(batch, [("success", ""), ("success", "")])
    with pytest.raises(PermissionDenied):
        services.import_results(request.getfixturevalue(who), batch, csv_file(rows))
    assert not Payment.objects.exists()

"""Exporting a collection batch: who is in it, the amounts, the CSV for the bank, no double export."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commerce.collection import services
from commerce.collection.models import BankMandate, CollectionBatch, CollectionLine
from commerce.payments.services import record_desk_payment
from tests.collection.conftest import AS_OF, csv_file, result_rows
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def test_one_line_per_household_with_an_active_mandate_and_its_total_due(clerk, site, unit, neighbour_unit, batch):
    unsigned = UnitFactory(building=site.building, grid=site.grid, number="1103")  # no mandate, no line
    assert unsigned.pk
    lines = list(batch.lines.order_by("pk"))
    assert [(line.unit, line.amount, line.bills.count()) for line in lines] == [
        (unit, Decimal("200.00"), 2),
        (neighbour_unit, Decimal("200.00"), 2),
    ]
    assert (batch.line_count, batch.total_amount, batch.status) == (2, Decimal("400.00"), "exported")
    assert lines[0].reference == f"CB{batch.pk:05d}-0001" and lines[0].account_number == "6222000011112222"
    assert lines[0].reference_text == "Fees 2025-01~2025-02 Garden a 3-1101"
    assert batch.file_name == f"collection-{site.office.code}-20250301-{batch.pk}.csv"


def test_the_csv_has_a_bom_the_columns_and_the_totals(batch):
    data = services.export_csv(batch)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    assert rows[0] == ["Line reference", "Account holder", "Account number", "Amount", "Reference text"]
    assert rows[1:] == [
        [f"CB{batch.pk:05d}-0001", "Ruan Yi", "6222000011112222", "200.00", "Fees 2025-01~2025-02 Garden a 3-1101"],
        [f"CB{batch.pk:05d}-0002", "Ni Er", "6217000033334444", "200.00", "Fees 2025-01~2025-02 Garden a 3-1102"],
    ]
    assert sum(Decimal(row[3]) for row in rows[1:]) == batch.total_amount


@pytest.mark.parametrize(
    ("as_of", "amount", "months"),
    [(datetime.date(2025, 1, 31), "100.00", "2025-01"), (AS_OF, "200.00", "2025-01~2025-02")],
)
def test_only_bills_of_months_up_to_the_date_are_collected(clerk, site, unit, bills, mandates, as_of, amount, months):
    batch = services.create_batch(clerk, site.office, as_of)
    line = batch.lines.get(unit=unit)
    assert line.amount == Decimal(amount) and months in line.reference_text


def test_what_was_paid_at_the_desk_is_not_collected_again(clerk, site, unit, neighbour_unit, bills, mandates):
    record_desk_payment(clerk, unit, Decimal("130.00"), "cash")
    batch = services.create_batch(clerk, site.office, AS_OF)
    assert batch.lines.get(unit=unit).amount == Decimal("70.00")
    assert list(batch.lines.get(unit=unit).bills.all()) == [bills[1]]
    record_desk_payment(clerk, neighbour_unit, Decimal("200.00"), "cash")


def test_inactive_mandates_and_households_with_nothing_due_are_left_out(
    clerk, site, unit, neighbour_unit, bills, mandates
):
    mandates[1].active = False
    mandates[1].save()
    record_desk_payment(clerk, unit, Decimal("200.00"), "cash")
    plan = services.plan_batch(site.office, AS_OF)
    assert plan.lines == [] and plan.nothing_due == 1
    with pytest.raises(ValidationError, match="nothing to send"):
        services.create_batch(clerk, site.office, AS_OF)
    assert not CollectionBatch.objects.exists()


def test_a_household_awaiting_the_bank_is_not_exported_twice_until_its_result(clerk, site, unit, neighbour_unit, batch):
    plan = services.plan_batch(site.office, AS_OF)
    assert plan.lines == [] and {u.pk for u in plan.awaiting_bank} == {unit.pk, neighbour_unit.pk}
    with pytest.raises(ValidationError, match="nothing to send"):
        services.create_batch(clerk, site.office, AS_OF)
    services.import_results(clerk, batch, csv_file(result_rows(batch, [("success", ""), ("failure", "No funds")])))
    again = services.create_batch(clerk, site.office, AS_OF)
    assert [(line.unit, line.amount) for line in again.lines.all()] == [(neighbour_unit, Decimal("200.00"))]
    assert CollectionLine.objects.filter(unit=neighbour_unit).count() == 2


def test_the_database_refuses_a_second_line_awaiting_the_bank_for_a_household(batch, unit, mandates):
    from django.db import IntegrityError, transaction

    other = CollectionBatch.objects.create(office=batch.office, as_of=AS_OF, currency="CNY", file_name="x.csv")
    with pytest.raises(IntegrityError), transaction.atomic():
        CollectionLine.objects.create(
            batch=other,
            reference="X-1",
            unit=unit,
            mandate=mandates[0],
            account_holder="Ruan Yi",
            account_number="6222000011112222",
            amount=Decimal("1.00"),
            reference_text="x",
        )


@pytest.mark.parametrize("who", ["front_desk", "other_clerk"])
def test_only_billing_staff_of_the_office_export(request, site, bills, mandates, who):
    with pytest.raises(PermissionDenied):
        services.create_batch(request.getfixturevalue(who), site.office, AS_OF)
    assert not CollectionBatch.objects.exists()


@pytest.mark.parametrize(
    ("number", "ok"),
    [("6222 0000 1111 2222", True), ("6222-0000-1111", True), ("1234567", False), ("62220000abc", False), ("", False)],
)
def test_account_numbers_are_checked_and_masked(clerk, unit, number, ok):
    if not ok:
        with pytest.raises(ValidationError, match="8 to 30 digits"):
            services.save_mandate(clerk, unit, account_holder="Ruan Yi", bank_name="ICBC", account_number=number)
        assert not BankMandate.objects.exists()
        return
    mandate = services.save_mandate(clerk, unit, account_holder="Ruan Yi", bank_name="ICBC", account_number=number)
    digits = "".join(c for c in number if c.isdigit())
    assert mandate.account_number == digits and mandate.account_display == f"**** {digits[-4:]}"


def test_a_new_active_mandate_replaces_the_old_one(clerk, front_desk, unit, other_clerk):
    old = services.save_mandate(clerk, unit, account_holder="Ruan Yi", bank_name="ICBC", account_number="62220000")
    new = services.save_mandate(front_desk, unit, account_holder="Ruan Yi", bank_name="CCB", account_number="62170000")
    old.refresh_from_db()
    assert (old.active, new.active) == (False, True)
    with pytest.raises(PermissionDenied):
        services.save_mandate(other_clerk, unit, account_holder="X", bank_name="Y", account_number="12345678")

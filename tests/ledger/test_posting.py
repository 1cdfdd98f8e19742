"""Posting to the ledger: balanced, exact, once per key, corrected only by reversal."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from commerce.ledger.models import Account, AccountKind, AppendOnlyError, Entry, Posting
from commerce.ledger.services import (
    IdempotencyConflict,
    balance,
    household_account,
    household_balance,
    post,
    reverse,
    system_account,
)
from tests.factories import CompanyFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal


def charge(books, key="fee-2026-01", amount="268.50", **kwargs):
    return post(
        key=key,
        company=books.company,
        office=books.office,
        lines=[(books.household, D(amount)), (books.fee_income, -D(amount))],
        memo="Property fee, January",
        **kwargs,
    )


def pay(books, key, amount):
    return post(
        key=key,
        company=books.company,
        lines=[(books.cash, D(amount)), (books.household, -D(amount))],
        memo="Paid at the front desk",
    )


# --- accounts ---------------------------------------------------------------------------------


def test_a_unit_has_one_household_account_in_its_company_currency(books):
    assert household_account(books.unit) == books.household
    assert Account.objects.filter(unit=books.unit).count() == 1
    assert books.household.kind == AccountKind.HOUSEHOLD
    assert books.household.office == books.office
    assert books.household.currency == "CNY"


def test_a_second_household_account_for_a_unit_is_refused_by_the_database(books):
    with pytest.raises(IntegrityError):
        Account.objects.create(
            company=books.company, kind=AccountKind.HOUSEHOLD, unit=books.unit, currency="CNY", name="again"
        )


def test_system_accounts_are_one_per_company_kind_and_charge_item(books, company):
    assert system_account(company, AccountKind.CASH) == books.cash
    assert system_account(company, AccountKind.INCOME, charge_code="property-fee") == books.fee_income
    water = system_account(company, AccountKind.INCOME, charge_code="water")
    assert water != books.fee_income
    assert system_account(company, AccountKind.CASH, office=books.office) != books.cash
    with pytest.raises(ValueError):
        system_account(company, AccountKind.INCOME)
    with pytest.raises(ValueError):
        system_account(company, AccountKind.HOUSEHOLD)


def test_accounts_take_the_company_currency(site):
    company = CompanyFactory(name="Harbour Estates", currency="HKD")
    assert system_account(company, AccountKind.CASH).currency == "HKD"


# --- posting ----------------------------------------------------------------------------------


def test_a_charge_posts_balanced_entries_and_the_household_owes_it(books):
    clerk = UserFactory()
    posting = charge(books, by=clerk)

    assert posting.created_by == clerk
    assert sorted(e.amount for e in posting.entries.all()) == [D("-268.50"), D("268.50")]
    assert {e.currency for e in posting.entries.all()} == {"CNY"}
    assert household_balance(books.unit) == D("268.50")
    assert balance(books.fee_income) == D("-268.50")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (lambda b: [(b.household, D("100.00")), (b.fee_income, D("-99.99"))], "sum to 0.01"),
        (lambda b: [(b.household, D("100.00"))], "at least two entries"),
        (lambda b: [(b.household, D("0.00")), (b.fee_income, D("0.00"))], "cannot be zero"),
        (lambda b: [(b.household, 100.0), (b.fee_income, D("-100.00"))], "must not be a float"),
        (lambda b: [(b.household, D("100.001")), (b.fee_income, D("-100.001"))], "more than 2 decimal places"),
    ],
)
def test_a_posting_that_is_not_exact_and_balanced_is_refused_and_writes_nothing(books, lines, message):
    with pytest.raises(ValidationError, match=message):
        post(key="bad", company=books.company, lines=lines(books), memo="bad")
    assert not Posting.objects.exists()
    assert not Entry.objects.exists()


def test_a_posting_across_currencies_is_refused(books, company):
    books.fee_income.currency = "USD"
    books.fee_income.save()
    with pytest.raises(ValidationError, match="one currency"):
        charge(books)
    assert not Posting.objects.exists()


def test_a_posting_with_another_companys_account_is_refused(books):
    stranger = system_account(CompanyFactory(name="Other Property"), AccountKind.CASH)
    with pytest.raises(ValidationError, match="company"):
        post(key="k", company=books.company, lines=[(books.household, D("1")), (stranger, D("-1"))], memo="x")
    assert not Posting.objects.exists()


def test_the_same_key_twice_returns_the_first_posting_and_writes_nothing_more(books):
    first = charge(books)
    again = charge(books)

    assert again.pk == first.pk
    assert Posting.objects.count() == 1
    assert Entry.objects.count() == 2
    assert household_balance(books.unit) == D("268.50")


def test_the_same_key_with_different_lines_is_an_idempotency_conflict(books):
    charge(books, amount="268.50")
    with pytest.raises(IdempotencyConflict):
        charge(books, amount="300.00")
    assert Entry.objects.count() == 2


def test_a_posting_needs_a_key(books):
    with pytest.raises(ValidationError, match="idempotency key"):
        charge(books, key=" ")


# --- reversal (red-letter) ---------------------------------------------------------------------


def test_a_reversal_negates_every_entry_and_nets_to_zero(books):
    original = charge(books)
    clerk = UserFactory()

    red = reverse(original, key="waive-fee-2026-01", reason="Waived: flooded corridor", by=clerk)

    assert red.reverses == original
    assert original.reversed_by == red
    assert red.reason == "Waived: flooded corridor"
    assert red.office == original.office
    assert sorted(e.amount for e in red.entries.all()) == [D("-268.50"), D("268.50")]
    assert household_balance(books.unit) == D("0.00")
    assert balance(books.fee_income) == D("0.00")
    assert Entry.objects.count() == 4  # history kept: nothing edited or removed


def test_a_posting_cannot_be_reversed_twice(books):
    original = charge(books)
    first = reverse(original, key="waive-1", reason="Waived")

    assert reverse(original, key="waive-1", reason="Waived") == first  # a retry is harmless
    with pytest.raises(ValidationError, match="already been reversed"):
        reverse(original, key="waive-2", reason="Waived again")
    assert Posting.objects.count() == 2


def test_the_database_refuses_a_second_reversal_even_past_the_service_check(books):
    original = charge(books)
    reverse(original, key="waive-1", reason="Waived")
    lines = [(books.household, D("-268.50")), (books.fee_income, D("268.50"))]
    with pytest.raises(ValidationError, match="already been reversed"):
        post(key="waive-2", company=books.company, lines=lines, memo="again", reverses=original)


def test_a_reversal_needs_a_reason_and_cannot_itself_be_reversed(books):
    original = charge(books)
    with pytest.raises(ValidationError, match="reason"):
        reverse(original, key="waive-1", reason="  ")
    red = reverse(original, key="waive-1", reason="Waived")
    with pytest.raises(ValidationError, match="cannot itself be reversed"):
        reverse(red, key="unwaive", reason="Oops")


# --- balances ---------------------------------------------------------------------------------


def test_balances_are_sums_of_entries_and_prepayment_shows_as_credit(books):
    charge(books, key="jan", amount="268.50")
    charge(books, key="feb", amount="268.50")
    pay(books, "pay-1", "600.00")

    assert household_balance(books.unit) == D("-63.00")  # paid ahead
    assert balance(books.cash) == D("600.00")
    assert balance(books.fee_income) == D("-537.00")


def test_a_balance_as_of_a_moment_ignores_later_postings(books):
    first = charge(books, key="jan")
    charge(books, key="feb")
    assert household_balance(books.unit, as_of=first.created_at) == D("268.50")
    assert household_balance(books.unit) == D("537.00")


def test_a_unit_without_an_account_owes_nothing(site):
    assert household_balance(UnitFactory(building=site.building, grid=site.grid)) == D("0.00")


# --- append-only ------------------------------------------------------------------------------


def test_entries_and_postings_cannot_be_edited_or_deleted_through_the_orm(books):
    posting = charge(books)
    entry = posting.entries.first()

    entry.amount = D("1.00")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(pk=entry.pk).update(amount=D("1.00"))
    with pytest.raises(AppendOnlyError):
        Entry.objects.all().delete()
    posting.memo = "changed"
    with pytest.raises(AppendOnlyError):
        posting.save()
    with pytest.raises(AppendOnlyError):
        Posting.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        Posting.objects.update(memo="changed")
    assert sorted(e.amount for e in Entry.objects.all()) == [D("-268.50"), D("268.50")]


def test_balances_are_exact_to_the_cent_even_on_sqlite(books):
    # Found by the property test: SQLite's SUM over decimals drifted to 2.0099999999999998.
    for n, amount in enumerate(["0.01", "0.01", "1.99"]):
        pay(books, f"pay-{n}", amount)
    assert balance(books.cash) == D("2.01")
    assert str(household_balance(books.unit)) == "-2.01"

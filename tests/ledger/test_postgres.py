"""What only a real PostgreSQL can prove: triggers refuse raw edits, and one key wins a race."""

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, connections, transaction

from commerce.ledger.models import Entry, Posting
from commerce.ledger.services import household_account, household_balance, post, system_account
from tests.factories import UnitFactory

pytestmark = pytest.mark.postgres

D = Decimal


def charge(books, key="fee-2026-01", amount="268.50"):
    return post(
        key=key,
        company=books.company,
        office=books.office,
        lines=[(books.household, D(amount)), (books.fee_income, -D(amount))],
        memo="Property fee, January",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entry SET amount = 1 WHERE posting_id = %s",
        "DELETE FROM ledger_entry WHERE posting_id = %s",
        "UPDATE ledger_posting SET memo = 'changed' WHERE id = %s",
        "DELETE FROM ledger_posting WHERE id = %s",
    ],
)
def test_raw_sql_cannot_edit_or_delete_ledger_rows(books, statement):
    posting = charge(books)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [posting.pk])
    assert sorted(e.amount for e in Entry.objects.all()) == [D("-268.50"), D("268.50")]
    assert Posting.objects.get().memo == "Property fee, January"


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_posts_with_one_key_make_exactly_one_posting(site, company):
    unit = UnitFactory(building=site.building, grid=site.grid)
    household = household_account(unit)
    income = system_account(company, "income", charge_code="property-fee")
    barrier = threading.Barrier(20)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            posting = post(
                key="fee-2026-01-unit",
                company=company,
                lines=[(household, D("268.50")), (income, D("-268.50"))],
                memo="Property fee, January",
            )
            results.append(posting.pk)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(results) == 20 and len(set(results)) == 1
    assert Posting.objects.count() == 1
    assert Entry.objects.count() == 2
    assert household_balance(unit) == D("268.50")


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_use_of_a_household_account_makes_one_account(site):
    unit = UnitFactory(building=site.building, grid=site.grid)
    barrier = threading.Barrier(10)
    accounts, errors = [], []

    def worker():
        try:
            barrier.wait()
            accounts.append(household_account(unit).pk)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(accounts)) == 1

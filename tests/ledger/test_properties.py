"""Whatever sequence of charges, payments, prepayments, waivers and retries happens, the books balance."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commerce.ledger.models import Account, AccountKind, Entry, Posting
from commerce.ledger.services import (
    balance,
    household_account,
    household_balance,
    post,
    reverse,
    sum_in_cents,
    system_account,
)
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

amounts = st.integers(min_value=1, max_value=1_000_000).map(lambda cents: Decimal(cents).scaleb(-2))
unit_index = st.integers(min_value=0, max_value=2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), unit_index, amounts, st.sampled_from(["property-fee", "water", "parking"])),
        st.tuples(st.just("payment"), unit_index, amounts),
        st.tuples(st.just("prepayment"), unit_index, amounts),
        st.tuples(st.just("apply_prepayment"), unit_index, amounts),
        st.tuples(st.just("waive"), st.integers(min_value=0, max_value=50)),
        st.tuples(st.just("retry"), st.integers(min_value=0, max_value=50)),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_random_postings_keep_every_posting_balanced_and_every_balance_a_sum(site, company, ops):
    with transaction.atomic():
        run(site, company, ops)
        transaction.set_rollback(True)  # each example starts from empty books


def run(site, company, ops):
    units = [UnitFactory(building=site.building, grid=site.grid) for _ in range(3)]
    households = [household_account(unit) for unit in units]
    cash = system_account(company, AccountKind.CASH)
    prepayments = system_account(company, AccountKind.PREPAYMENT)
    expected = defaultdict(Decimal)
    made = []  # (key, lines, memo) of every posting, to retry and to waive

    def do_post(key, lines, memo):
        posting = post(key=key, company=company, lines=lines, memo=memo)
        for account, amount in lines:
            expected[account.pk] += amount
        made.append((posting, key, lines, memo))

    for n, op in enumerate(ops):
        kind, *args = op
        if kind == "charge":
            i, amount, item = args
            income = system_account(company, AccountKind.INCOME, charge_code=item)
            do_post(f"charge-{n}", [(households[i], amount), (income, -amount)], f"{item} charge")
        elif kind == "payment":
            i, amount = args
            do_post(f"pay-{n}", [(cash, amount), (households[i], -amount)], "payment")
        elif kind == "prepayment":
            i, amount = args
            do_post(f"prepay-{n}", [(cash, amount), (prepayments, -amount)], "prepayment")
        elif kind == "apply_prepayment":
            i, amount = args
            do_post(f"apply-{n}", [(prepayments, amount), (households[i], -amount)], "prepayment applied")
        elif kind == "waive" and made:
            posting = made[args[0] % len(made)][0]
            if posting.reverses_id is None and not Posting.objects.filter(reverses=posting).exists():
                red = reverse(posting, key=f"waive-{n}", reason="waived")
                for entry in red.entries.all():
                    expected[entry.account_id] += entry.amount
                made.append((red, None, None, None))
        elif kind == "retry" and made:
            posting, key, lines, memo = made[args[0] % len(made)]
            if key is not None:
                assert post(key=key, company=company, lines=lines, memo=memo) == posting

    unbalanced = Entry.objects.values("posting").annotate(total=sum_in_cents()).exclude(total=0)
    assert not unbalanced.exists()
    assert Posting.objects.count() == len(made)
    total = Decimal("0.00")
    for account in Account.objects.filter(company=company):
        entries_sum = sum((e.amount for e in account.entries.all()), Decimal("0.00"))
        assert balance(account) == entries_sum == expected[account.pk]
        total += balance(account)
    assert total == 0
    for unit, household in zip(units, households, strict=True):
        assert household_balance(unit) == expected[household.pk]

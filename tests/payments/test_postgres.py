"""Two desk payments for one bill at the same moment: exactly one applies."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from commerce.ledger.services import household_balance
from commerce.payments import services
from commerce.payments.models import Payment, PaymentAllocation


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_desk_payments_for_one_bill_apply_once(clerk, unit, bills):
    barrier = threading.Barrier(2)
    outcomes = []

    def pay():
        try:
            barrier.wait()
            services.record_desk_payment(clerk, unit, "100", "cash", bills=[bills[0]])
            outcomes.append("paid")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1] == "paid" and "already settled" in sorted(outcomes)[0], outcomes
    assert Payment.objects.count() == 1
    assert PaymentAllocation.objects.get().amount == Decimal("100.00")
    assert household_balance(unit) == Decimal("100.00")
    assert services.outstanding(bills[0]) == 0

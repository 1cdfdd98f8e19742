"""Two clerks refunding one deposit at the same moment: it is refunded once."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from commerce.deposits import services
from commerce.deposits.models import DepositEvent
from commerce.ledger.models import AccountKind
from commerce.ledger.services import balance, system_account


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refunds_of_one_deposit_refund_once(site, unit, front_desk, clerk):
    deposit = services.take_deposit(front_desk, unit, kind="key", amount="300", method="cash", payer_name="Ruan")
    barrier = threading.Barrier(2)
    outcomes = []

    def refund(user):
        try:
            barrier.wait()
            services.refund_deposit(user, deposit)
            outcomes.append("refunded")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=refund, args=(user,)) for user in (front_desk, clerk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1] == "refunded" and "not held" in sorted(outcomes)[0], outcomes
    assert DepositEvent.objects.filter(kind="refunded").count() == 1
    company = site.office.region.company
    assert balance(system_account(company, AccountKind.CASH, office=site.office)) == Decimal("0.00")

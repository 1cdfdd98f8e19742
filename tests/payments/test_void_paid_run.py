"""A run whose bills are paid cannot be voided: the payments would point at bills that no longer count."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commerce.billing import runs
from commerce.billing.models import Bill
from commerce.ledger.services import household_balance
from commerce.payments import services
from commerce.payments.models import Payment
from portal.people.models import StaffRole
from tests.properties.conftest import staff

pytestmark = pytest.mark.django_db


def test_voiding_a_run_with_a_paid_bill_is_refused_and_changes_nothing(site, unit, bills, clerk):
    manager = staff(StaffRole.OFFICE_MANAGER, site.office)
    jan = bills[0]
    services.record_desk_payment(clerk, unit, "100.00", Payment.Method.CASH, bills=[jan])

    with pytest.raises(ValidationError, match="1 bill of this run is already paid"):
        runs.void_run(jan.run, manager, "wrong price")

    jan.refresh_from_db()
    assert jan.status == Bill.Status.ISSUED and jan.run.status == "done"
    assert household_balance(unit) == Decimal("100.00")  # February still owed

    feb_run = bills[1].run
    runs.void_run(feb_run, manager, "wrong price")  # nobody paid February: voided
    assert Bill.objects.get(pk=bills[1].pk).status == Bill.Status.VOIDED

"""One-off charges: billed to the household at once, exactly once per key, outside the monthly run."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from commerce.billing import one_off, runs
from commerce.billing.models import Bill, BillingRun
from commerce.ledger.services import household_balance
from commerce.payments import services as payments
from commerce.payments.models import Payment
from portal.people.models import StaffRole
from tests.factories import UnitFactory
from tests.properties.conftest import staff

from .conftest import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def rubbish(site):
    return make_item(site.office, "one_off", code="rubbish", price="80.00")


@pytest.fixture
def front_desk(site):
    return staff(StaffRole.FRONT_DESK, site.office, full_name="Desk A")


def test_a_one_off_charge_is_a_bill_of_one_line_posted_to_the_household(site, unit, rubbish, front_desk):
    bill = one_off.charge_one_off(
        front_desk, unit, rubbish, quantity=Decimal("1.5"), note="Renovation rubbish", request_key="k1"
    )

    assert bill.kind == Bill.Kind.ONE_OFF and bill.run is None and bill.total == Decimal("120.00")
    assert bill.note == "Renovation rubbish" and bill.created_by == front_desk
    line = bill.lines.get()
    assert (line.quantity, line.unit_price, line.amount) == (Decimal("1.500"), Decimal("80.0000"), Decimal("120.00"))
    assert line.explanation == "1.5 × ¥80.00"
    assert household_balance(unit) == Decimal("120.00")
    assert payments.outstanding(bill) == Decimal("120.00")
    assert bill in payments.due_bills(unit)


def test_the_same_request_key_charges_once(site, unit, rubbish, front_desk):
    first = one_off.charge_one_off(front_desk, unit, rubbish, quantity=1, note="Rubbish", request_key="same")
    again = one_off.charge_one_off(front_desk, unit, rubbish, quantity=1, note="Rubbish", request_key="same")

    assert again == first and Bill.objects.count() == 1
    assert household_balance(unit) == Decimal("80.00")


def test_a_typed_amount_replaces_the_standard_price(site, unit, rubbish, front_desk):
    bill = one_off.charge_one_off(front_desk, unit, rubbish, quantity=1, amount="35.50", note="Half", request_key="t")
    assert bill.total == Decimal("35.50") and bill.lines.get().unit_price is None


@pytest.mark.parametrize(
    ("quantity", "amount", "note", "message"),
    [
        (0, None, "x", "quantity must be more than zero"),
        (Decimal("1.0001"), None, "x", "at most 3 decimal places"),
        (1, None, "  ", "Say what the charge is for"),
        (1, "-5", "x", "negative"),
        (1, "1.005", "x", "places"),
        (1, "0", "x", "more than zero"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_charged(site, unit, rubbish, front_desk, quantity, amount, note, message):
    with pytest.raises(ValidationError) as refused:
        one_off.charge_one_off(
            front_desk, unit, rubbish, quantity=quantity, amount=amount, note=note, request_key="bad"
        )
    assert message in " ".join(refused.value.messages)
    assert not Bill.objects.exists() and household_balance(unit) == Decimal("0.00")


def test_only_desk_staff_of_the_office_charge_and_only_one_off_items(site, other_site, unit, rubbish, technician):
    other_desk = staff(StaffRole.FRONT_DESK, other_site.office)
    for user in (technician, other_desk):
        with pytest.raises(PermissionDenied):
            one_off.charge_one_off(user, unit, rubbish, quantity=1, note="x", request_key="p")
    monthly = make_item(site.office, "fixed_per_unit", code="fee", price="10.00")
    desk = staff(StaffRole.FRONT_DESK, site.office)
    with pytest.raises(ValidationError, match="one-off"):
        one_off.charge_one_off(desk, unit, monthly, quantity=1, note="x", request_key="p")


def test_a_prepayment_settles_the_charge_and_the_monthly_run_still_bills_the_month(site, unit, rubbish, front_desk):
    make_item(site.office, "fixed_per_unit", code="fee", price="100.00")
    payments.record_desk_payment(front_desk, unit, "50.00", Payment.Method.CASH, prepayment=True)
    bill = one_off.charge_one_off(front_desk, unit, rubbish, quantity=1, note="Rubbish", request_key="p")
    assert payments.outstanding(bill) == Decimal("30.00")

    start = bill.period_start.replace(day=1)
    run = BillingRun.objects.create(office=site.office, period_start=start, period_end=runs.month_bounds(start)[1])
    done = runs.execute_run(run.pk)
    assert done.billed == 1 and Bill.objects.filter(unit=unit).count() == 2


def test_an_unsold_unit_is_charged_to_the_developer(site, rubbish, front_desk):
    unsold = UnitFactory(building=site.building, grid=site.grid, number="0101", status="unsold")
    bill = one_off.charge_one_off(front_desk, unsold, rubbish, quantity=1, note="x", request_key="d")
    assert bill.payer == Bill.Payer.DEVELOPER and household_balance(unsold) == Decimal("0.00")


def test_the_desk_charges_from_the_unit_lookup(client, site, unit, rubbish, front_desk):
    client.force_login(front_desk)
    lookup = client.get(reverse("properties_unit:inspect", args=[unit.pk])).content.decode()
    url = reverse("billing_one_off", args=[unit.pk])
    assert url in lookup

    page = client.get(url)
    key = page.context["form"].initial["request_key"]
    data = {"item": rubbish.pk, "quantity": "2", "amount": "", "note": "Two loads", "request_key": key}
    response = client.post(url, data)
    assert response.status_code == 302
    client.post(url, data)  # a double submit
    bill = Bill.objects.get()
    assert bill.total == Decimal("160.00") and bill.note == "Two loads"
    assert "Two loads" in client.get(url).content.decode()

    refused = client.post(url, {**data, "note": "", "request_key": "other"})
    assert refused.status_code == 200 and Bill.objects.count() == 1


def test_the_run_does_not_count_a_one_off_bill_as_the_months_bill(site, unit, rubbish, front_desk):
    make_item(site.office, "fixed_per_unit", code="fee", price="100.00")
    one_off.charge_one_off(front_desk, unit, rubbish, quantity=1, note="x", request_key="r")
    today = timezone.localdate().replace(day=1)
    run = BillingRun.objects.create(office=site.office, period_start=today, period_end=runs.month_bounds(today)[1])
    assert runs.execute_run(run.pk).billed == 1
    assert runs.preview_run(site.office, today).already_billed == 1

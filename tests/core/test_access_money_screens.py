"""The money back-office screens of the billing issue: office A's staff get them; staff of office B are refused
or see none of office A's rows. (The table-driven matrix of every other screen is test_access_matrix.py.)"""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.billing import runs as billing_runs
from commerce.billing.models import BillingRun, ChargeItem, ChargeStandard
from commerce.deposits import services as deposits
from commerce.payments import services as payment_services
from portal.people import services
from portal.people.models import StaffRole
from tests.factories import (
    AccountFactory,
    BuildingFactory,
    CommunityFactory,
    CompanyFactory,
    GridFactory,
    OfficeFactory,
    RegionFactory,
    UnitFactory,
    enable_totp,
)

pytestmark = pytest.mark.django_db

MARKER_UNIT = "A-7707"


def _staff(company, role, office=None):
    user = AccountFactory()
    services.add_staff_role(user, company=company, role=role, office=office)
    enable_totp(user)
    return user


@pytest.fixture
def m(db):
    company = CompanyFactory(name="Linli Property")
    region = RegionFactory(company=company)
    office_a, office_b = OfficeFactory(region=region), OfficeFactory(region=region)
    community_a = CommunityFactory(office=office_a)
    CommunityFactory(office=office_b)
    unit_a = UnitFactory(building=BuildingFactory(community=community_a), grid=GridFactory(community=community_a),
                         number=MARKER_UNIT)  # fmt: skip
    manager_a = _staff(company, StaffRole.OFFICE_MANAGER, office_a)
    manager_b = _staff(company, StaffRole.OFFICE_MANAGER, office_b)
    item = ChargeItem.objects.create(office=office_a, code="fee", name="Property fee A", kind="fixed_per_unit")
    ChargeStandard.objects.create(item=item, name="Std", effective_from=date(2026, 1, 1), unit_price=Decimal("80"))
    ChargeItem.objects.create(office=office_a, code="rubbish", name="Rubbish A", kind="one_off", cycle="once")
    run = BillingRun.objects.create(office=office_a, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31))
    bill_a = billing_runs.execute_run(run.pk).bills.get(unit=unit_a)
    payment_a = payment_services.record_desk_payment(manager_a, unit_a, "30.00", "cash", bills=[bill_a])
    deposit_a = deposits.take_deposit(
        manager_a, unit_a, kind="renovation", amount="2000", method="cash", payer_name="Owner A"
    )
    return type("World", (), locals())


OBJECT_SCREENS = {
    "payment with refund form": lambda m: reverse("payments_list:detail", args=[m.payment_a.pk]),
    "deposit": lambda m: reverse("deposits:detail", args=[m.deposit_a.pk]),
    "deposit receipt": lambda m: reverse("deposits:receipt", args=[m.deposit_a.pk]),
    "bill adjustments": lambda m: reverse("adjustments_bills:detail", args=[m.bill_a.pk]),
    "one-off charge": lambda m: reverse("billing_one_off", args=[m.unit_a.pk]),
    "late-fee policy": lambda m: reverse("adjustments_policies:edit", args=[m.office_a.pk]),
}

LIST_SCREENS = {
    "arrears report": lambda m: reverse("reports_arrears:index"),
    "deposits": lambda m: reverse("deposits:index"),
    "payments": lambda m: reverse("payments_list:index"),
}


@pytest.mark.parametrize("name", OBJECT_SCREENS)
def test_office_staff_get_the_screen_and_another_office_is_refused(client, m, name):
    url = OBJECT_SCREENS[name](m)
    client.force_login(m.manager_a)
    assert client.get(url).status_code == 200, name
    client.force_login(m.manager_b)
    refused = client.get(url)
    assert refused.status_code in (403, 404) or (
        refused.status_code == 302 and refused["Location"].rstrip("/") != url.rstrip("/")
    ), (name, refused.status_code)
    assert MARKER_UNIT not in refused.content.decode()


@pytest.mark.parametrize("name", LIST_SCREENS)
def test_lists_show_office_a_rows_to_office_a_only(client, m, name):
    url = LIST_SCREENS[name](m)
    client.force_login(m.manager_a)
    assert MARKER_UNIT in client.get(url).content.decode(), name
    client.force_login(m.manager_b)
    assert MARKER_UNIT not in client.get(url).content.decode(), name

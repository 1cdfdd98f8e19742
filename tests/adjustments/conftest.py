"""Jan and Feb 2025 bills of ¥100 for a unit (from the payments fixtures), an office late-fee policy, managers."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from commerce.adjustments import latefees
from commerce.adjustments.models import LateFeePolicy
from commerce.payments import services as payments
from commerce.payments.models import Payment
from portal.people.models import StaffRole
from tests.billing.conftest import company, make_item, other_site, site  # noqa: F401
from tests.payments.conftest import (  # noqa: F401
    _plain_settings,
    bills,
    clerk,
    neighbour,
    neighbour_unit,
    other_clerk,
    resident,
    run_month,
    unit,
)
from tests.properties.conftest import staff

JAN_DUE = datetime.date(2025, 2, 15)  # Jan 31 + 15 days


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@pytest.fixture
def manager(site):  # noqa: F811
    return staff(StaffRole.OFFICE_MANAGER, site.office, full_name="Manager A")


@pytest.fixture
def second_manager(site):  # noqa: F811
    return staff(StaffRole.OFFICE_MANAGER, site.office, full_name="Manager B")


@pytest.fixture
def other_manager(other_site):  # noqa: F811
    return staff(StaffRole.OFFICE_MANAGER, other_site.office, full_name="Manager of B")


@pytest.fixture
def front_desk(site):  # noqa: F811
    return staff(StaffRole.FRONT_DESK, site.office, full_name="Desk A")


@pytest.fixture
def headquarters(company):  # noqa: F811
    return staff(StaffRole.HEADQUARTERS, company=company, full_name="HQ")


def make_policy(office, **fields):
    defaults = {
        "mode": LateFeePolicy.Mode.DAILY_RATE,
        "daily_rate": Decimal("0.001"),
        "due_days": 15,
        "grace_days": 0,
        "starts_on": day("2024-01-01"),
    }
    defaults.update(fields)
    policy = LateFeePolicy(office=office, **defaults)
    policy.full_clean()
    policy.save()
    return policy


@pytest.fixture
def policy(site):  # noqa: F811
    return make_policy(site.office)


def pay(staff_user, unit, amount, bills, on):  # noqa: F811
    """A desk payment that succeeded at noon (local time) of the day ``on``."""
    payment = payments.record_desk_payment(staff_user, unit, amount, "cash", bills=bills)
    noon = timezone.make_aware(datetime.datetime.combine(day(on), datetime.time(12)))
    Payment.objects.filter(pk=payment.pk).update(succeeded_at=noon)
    return payment


def accrue(office, on):
    return latefees.accrue_office(office.pk, day(on))

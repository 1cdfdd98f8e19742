"""Two offices, each with a community; a household with a resident; facilities open every day 08:00–22:00."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.clubhouse.models import Facility, OpeningHours
from portal.people.models import StaffRole
from tests.factories import AccountFactory, RegionFactory, ResidentMembershipFactory, UnitFactory
from tests.properties.conftest import make_site, staff


@pytest.fixture(autouse=True)
def _plain_settings(settings):
    settings.STAFF_MFA_REQUIRED = False
    settings.LANGUAGE_CODE = "en"
    settings.PAYMENT_GATEWAY = "dummy"


@pytest.fixture
def site(company):
    return make_site(RegionFactory(company=company, name="East"), "a")


@pytest.fixture
def other_site(company):
    return make_site(RegionFactory(company=company, name="West"), "b")


@pytest.fixture
def company():
    from tests.factories import CompanyFactory

    return CompanyFactory(name="Linli Property")


def household(site, number, **user_fields):
    unit = UnitFactory(building=site.building, grid=site.grid, number=number, floor=int(number[:-2] or 1))
    user = AccountFactory(**user_fields)
    ResidentMembershipFactory(user=user, unit=unit)
    return unit, user


@pytest.fixture
def home(site):
    return household(site, "1201", full_name="Li Ming")


@pytest.fixture
def unit(home):
    return home[0]


@pytest.fixture
def resident(home):
    return home[1]


@pytest.fixture
def neighbour_home(site):
    return household(site, "1202", full_name="Zhou Yun")


@pytest.fixture
def desk(site):
    return staff(StaffRole.FRONT_DESK, site.office, full_name="Desk A")


@pytest.fixture
def manager(site):
    return staff(StaffRole.OFFICE_MANAGER, site.office, full_name="Manager A")


@pytest.fixture
def other_desk(other_site):
    return staff(StaffRole.FRONT_DESK, other_site.office, full_name="Desk B")


def make_facility(community, **fields):
    defaults = {
        "name": "Gym",
        "kind": Facility.Kind.GYM,
        "slot_minutes": 60,
        "capacity": 5,
        "price": Decimal("0.00"),
        "horizon_days": 14,
        "weekly_limit": 0,
    }
    facility = Facility.objects.create(community=community, **{**defaults, **fields})
    for weekday in range(7):
        OpeningHours.objects.create(
            facility=facility, weekday=weekday, opens=datetime.time(8), closes=datetime.time(22)
        )
    return facility


@pytest.fixture
def gym(site):
    return make_facility(site.community)


@pytest.fixture
def room(site):
    return make_facility(
        site.community,
        name="Function room",
        kind=Facility.Kind.FUNCTION_ROOM,
        capacity=30,
        exclusive=True,
        price=Decimal("200.00"),
        cancel_hours=24,
        late_refund_percent=50,
        slot_minutes=120,
    )


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """Local time ``days`` from today at ``hour``."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

"""A community with owners (one of three units, co-owners, single owners), unsold developer units,
a tenant and family member, the office's manager and clerks, and staff of another office."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from portal.people.models import ResidentRole, StaffRole
from portal.properties.models import Unit
from portal.voting import services
from portal.voting.models import Matter
from tests.factories import CompanyFactory, RegionFactory, ResidentMembershipFactory, UnitFactory, UserFactory
from tests.properties.conftest import make_site, staff

D = Decimal


@pytest.fixture(autouse=True)
def _plain_settings(settings):
    settings.STAFF_MFA_REQUIRED = False
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def company():
    return CompanyFactory(name="Linli Property")


@pytest.fixture
def site(company):
    return make_site(RegionFactory(company=company, name="East"), "a")


@pytest.fixture
def other_site(company):
    return make_site(RegionFactory(company=company, name="West"), "b")


@pytest.fixture
def manager(site):
    return staff(StaffRole.OFFICE_MANAGER, site.office, full_name="Manager A")


@pytest.fixture
def clerk(site):
    return staff(StaffRole.FRONT_DESK, site.office, full_name="Clerk A")


@pytest.fixture
def second_clerk(site):
    return staff(StaffRole.HOUSEKEEPER, site.office, full_name="Clerk B")


@pytest.fixture
def other_manager(other_site):
    return staff(StaffRole.OFFICE_MANAGER, other_site.office, full_name="Manager B")


def unit(site, number, area, status=Unit.Status.SOLD):
    return UnitFactory(
        building=site.building,
        grid=site.grid,
        number=number,
        floor=int(number[:-2]),
        floor_area=D(area),
        status=status,
    )


def member(user, u, role=ResidentRole.OWNER):
    return ResidentMembershipFactory(user=user, unit=u, role=role)


@pytest.fixture
def estate(site):
    """Units: Li owns 101, 102, 103; Wang and Zhao co-own 201; Chen owns 301; 401 and 402 are unsold.

    A tenant and a family member live in 301.
    """
    li, wang, zhao, chen = (UserFactory(full_name=n) for n in ("Li", "Wang", "Zhao", "Chen"))
    tenant, family = UserFactory(full_name="Tenant"), UserFactory(full_name="Family")
    units = {
        n: unit(site, n, a)
        for n, a in (("101", "80.00"), ("102", "90.00"), ("103", "100.00"), ("201", "120.00"), ("301", "110.00"))
    }
    units |= {n: unit(site, n, "100.00", Unit.Status.UNSOLD) for n in ("401", "402")}
    for n in ("101", "102", "103"):
        member(li, units[n])
    member(wang, units["201"])
    member(zhao, units["201"])
    member(chen, units["301"])
    member(tenant, units["301"], ResidentRole.TENANT)
    member(family, units["301"], ResidentRole.FAMILY)
    return SimpleNamespace(li=li, wang=wang, zhao=zhao, chen=chen, tenant=tenant, family=family, units=units)


def make_meeting(
    manager,
    community,
    *,
    open_now=True,
    allow_change=True,
    motions=(
        ("Hire a new property company", Matter.PROPERTY_COMPANY),
        ("Repaint the facade from the fund", Matter.RAISE_FUND),
    ),
):
    now = timezone.now()
    opens = now - datetime.timedelta(hours=1) if open_now else now + datetime.timedelta(days=20)
    meeting = services.create_meeting(
        manager,
        community,
        title="Annual owners meeting 2026",
        opens_at=opens,
        closes_at=opens + datetime.timedelta(days=7),
        allow_change=allow_change,
    )
    for title, matter in motions:
        services.add_motion(manager, meeting, title=title, matter=matter)
    return meeting


def announce(manager, meeting):
    return services.announce(manager, meeting, now=meeting.opens_at - datetime.timedelta(days=meeting.notice_days))


@pytest.fixture
def meeting(manager, site, estate):
    return announce(manager, make_meeting(manager, site.community))


def cast(user, meeting, party, choices, password="correct horse battery staple"):
    return services.cast_ballots(
        user, meeting, party, choices, password=password, token=services.confirmation_token(user, meeting)
    )


def party_of(meeting, user):
    return services.voter_parties(user, meeting).get()


def finish(manager, meeting):
    """Close after the window and count."""
    services.close(meeting, by=manager, now=meeting.closes_at + datetime.timedelta(seconds=1))
    return services.count(manager, meeting)

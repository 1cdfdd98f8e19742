"""The demo seed makes facilities with bookings in every demo community, once."""

import pytest
from django.utils import timezone

from portal import demo
from portal.clubhouse.demo import seed_demo_clubhouse
from portal.clubhouse.models import Booking, Facility, TrainingClass
from tests.factories import (
    AccountFactory,
    BuildingFactory,
    CommunityFactory,
    GridFactory,
    ResidentMembershipFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


def test_the_demo_seed_fills_every_demo_community_and_is_idempotent(site):
    for spec in demo.COMMUNITIES:
        community = CommunityFactory(office=site.office, code=spec.code, name=spec.name)
        building, grid = BuildingFactory(community=community), GridFactory(community=community)
        for n in range(4):
            unit = UnitFactory(building=building, grid=grid, number=f"{n + 1}01", floor=n + 1)
            ResidentMembershipFactory(user=AccountFactory(), unit=unit)

    made = seed_demo_clubhouse(timezone.localdate())

    assert made > 0 and seed_demo_clubhouse(timezone.localdate()) == 0
    for spec in demo.COMMUNITIES:
        assert Facility.objects.filter(community__code=spec.code).count() == 4
        assert Booking.objects.filter(facility__community__code=spec.code).exists()
        assert TrainingClass.objects.filter(community__code=spec.code).exists()
    assert Booking.objects.filter(status="confirmed").exists() and Booking.objects.filter(status="checked_in").exists()

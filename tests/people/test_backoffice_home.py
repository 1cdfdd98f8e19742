"""The back-office home tells staff where they work and what waits for them there."""

import pytest
from django.urls import reverse

from portal.people.models import StaffRole
from tests.factories import InvitationFactory, JoinRequestFactory, ResidentMembershipFactory

pytestmark = pytest.mark.django_db


def test_the_home_panel_shows_the_staff_members_office_and_its_waiting_work(client, make_staff, world):
    manager = make_staff(StaffRole.OFFICE_MANAGER, world.north.office)
    unit = world.north.units[0]
    ResidentMembershipFactory(unit=unit)
    JoinRequestFactory(unit=unit)
    InvitationFactory(unit=unit, issued_by=manager)
    client.force_login(manager)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Where you work" in html
    assert world.north.office.name in html
    assert world.south.office.name not in html
    assert "<strong>1</strong> join requests waiting" in html
    assert "<strong>1</strong> open invitation codes" in html


def test_the_panel_counts_nothing_from_another_office(client, make_staff, world):
    manager = make_staff(StaffRole.OFFICE_MANAGER, world.north.office)
    JoinRequestFactory(unit=world.south.units[0])
    client.force_login(manager)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "<strong>0</strong> join requests waiting" in html

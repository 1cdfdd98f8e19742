"""The demo seed makes notifications, a chat and a sent campaign for the demo resident, once."""

import pytest
from django.utils import timezone

from notifications.demo import seed_demo_notifications
from notifications.models import Campaign, Conversation, Notification
from portal import demo
from portal.people.models import StaffRole
from portal.people.services import add_staff_role
from tests.factories import AccountFactory, ResidentMembershipFactory

pytestmark = pytest.mark.django_db


def test_the_demo_seed_is_idempotent(world):
    resident = AccountFactory(email=demo.DEMO_LOGIN_BY_KEY["resident"].email)
    ResidentMembershipFactory(user=resident, unit=world.north.units[0])
    desk = AccountFactory(email=demo.DEMO_LOGIN_BY_KEY["front_desk"].email)
    add_staff_role(desk, company=world.company, role=StaffRole.FRONT_DESK, office=world.north.office)

    assert seed_demo_notifications(timezone.localdate()) == 4
    assert seed_demo_notifications(timezone.localdate()) == 0
    assert Conversation.objects.get().messages.count() == 2
    assert Campaign.objects.get().status == "sent"
    assert Notification.objects.filter(recipient=resident).count() >= 3

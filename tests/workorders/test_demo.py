"""The demo seeds work orders in several states for the demo resident and the first office, once."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from portal import demo
from portal.workorders.demo import seed_demo_workorders
from portal.workorders.models import PriceItem, WorkOrder

pytestmark = pytest.mark.django_db


def test_the_demo_has_work_orders_in_every_column_and_seeding_again_adds_nothing():
    call_command("seed_demo", "--households", "200", stdout=io.StringIO())
    resident_orders = WorkOrder.objects.filter(requested_by__email=demo.DEMO_LOGIN_BY_KEY["resident"].email)
    statuses = set(resident_orders.values_list("status", flat=True))
    assert {"closed", "awaiting_acceptance", "on_the_way", "new"} <= statuses
    assert WorkOrder.objects.filter(escalated_at__isnull=False).exists()
    assert WorkOrder.objects.filter(bill__isnull=False).exists()
    assert PriceItem.objects.count() == 8
    before = WorkOrder.objects.count()
    assert seed_demo_workorders(timezone.localdate()) == 0
    assert WorkOrder.objects.count() == before

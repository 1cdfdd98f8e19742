"""Unpaid online orders expire after a configurable time, by Celery beat, and give back every slot they held."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from services_catalog import services
from services_catalog.models import Provider, ProviderSlot, ServiceOrder

from .conftest import make_service, next_slot

pytestmark = pytest.mark.django_db
Status = ServiceOrder.Status


def _online(w, key="u1", service=None, quantity="1"):
    service = service or w.lock
    return services.place_order(
        w.resident,
        w.unit,
        service,
        slot_start=next_slot(service),
        quantity=quantity,
        payment_method="online",
        request_key=key,
    )


def test_the_unpaid_window_is_a_setting(w, settings):
    settings.SERVICES_UNPAID_MINUTES = 5
    order = _online(w)
    assert services.expire_unpaid(now=timezone.now() + datetime.timedelta(minutes=4)) == 0
    assert services.expire_unpaid(now=timezone.now() + datetime.timedelta(minutes=6)) == 1
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and order.cancel_reason == "Not paid in time."


def test_a_desk_order_left_for_the_resident_waits_the_desk_window(w, settings):
    settings.SERVICES_UNPAID_MINUTES = 5
    settings.SERVICES_DESK_UNPAID_MINUTES = 120
    order = services.place_order_for_resident(
        w.desk, w.unit, w.lock, channel="phone", slot_start=next_slot(w.lock), payment_method="online", request_key="d"
    )
    assert services.expire_unpaid(now=timezone.now() + datetime.timedelta(minutes=60)) == 0
    assert services.expire_unpaid(now=timezone.now() + datetime.timedelta(minutes=121)) == 1
    order.refresh_from_db()
    assert order.status == Status.CANCELLED


def test_the_window_never_runs_past_the_slot(w, settings):
    settings.SERVICES_DESK_UNPAID_MINUTES = 60 * 24 * 30
    order = services.place_order_for_resident(
        w.desk,
        w.unit,
        w.lock,
        channel="walk_in",
        slot_start=next_slot(w.lock),
        payment_method="online",
        request_key="far",
    )
    assert order.pay_by == order.slot_start


def test_beat_runs_the_expiry_and_every_held_slot_goes_back_on_sale(w, settings):
    """The beat entry's task, run as the worker would, cancels the order and frees its three slots."""
    from django_celery_beat.models import PeriodicTask

    import services_catalog.tasks  # noqa: F401  (registers the task as the worker does)
    from portal.celery import app

    hourly = make_service(
        w.site.office,
        w.category,
        "Housekeeping",
        model="per_hour",
        price="40.00",
        slot_minutes=60,
        max_quantity=Decimal("8"),
    )
    solo = Provider.objects.create(office=w.site.office, name="Solo", capacity_per_slot=1)
    solo.services.add(hourly)
    settings.SERVICES_UNPAID_MINUTES = 0
    order = _online(w, service=hourly, quantity="3")
    assert sorted(ProviderSlot.objects.values_list("booked", flat=True)) == [1, 1, 1]

    entry = PeriodicTask.objects.get(task="services_catalog.tasks.expire_unpaid_orders")
    assert entry.enabled and entry.interval.every == 10
    result = app.tasks[entry.task].apply().get()
    assert result == {"expired": 1}
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and order.slot_released
    assert sorted(ProviderSlot.objects.values_list("booked", flat=True)) == [0, 0, 0]
    assert app.tasks[entry.task].apply().get() == {"expired": 0}  # once

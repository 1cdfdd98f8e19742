"""A job longer than one slot holds every slot it overlaps, with one provider from start to end."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from services_catalog import services
from services_catalog.models import HeldSlot, Provider, ProviderSlot, ServiceOrder

from .conftest import make_service, next_slot

pytestmark = pytest.mark.django_db
Status = ServiceOrder.Status


@pytest.fixture
def hourly(w):
    """Housekeeping by the hour in 1-hour slots, 09:00–17:00; one provider who does one job at a time."""
    service = make_service(
        w.site.office,
        w.category,
        "Housekeeping",
        model="per_hour",
        price="40.00",
        slot_minutes=60,
        min_quantity=Decimal("1"),
        max_quantity=Decimal("8"),
    )
    solo = Provider.objects.create(office=w.site.office, name="Solo", capacity_per_slot=1)
    solo.services.add(service)
    return service


def _book(w, service, hour, hours, key, user=None, unit=None):
    return services.place_order(
        user or w.resident,
        unit or w.unit,
        service,
        slot_start=next_slot(service, hour=hour),
        quantity=str(hours),
        payment_method="household",
        request_key=key,
    )


def _booked(service):
    return {
        services.timezone.localtime(s.start).hour: s.booked
        for s in ProviderSlot.objects.filter(provider__services=service)
    }


def test_a_three_hour_job_from_nine_holds_the_nine_ten_and_eleven_slots(w, hourly):
    order = _book(w, hourly, 9, 3, "three")
    assert services.timezone.localtime(order.slot_end).hour == 12
    assert _booked(hourly) == {9: 1, 10: 1, 11: 1}
    assert HeldSlot.objects.filter(order=order).count() == 3

    day = [s for s in services.available_slots(hourly) if s.start.date() == order.slot_start.date()]
    assert [services.timezone.localtime(s.start).hour for s in day] == [12, 13, 14, 15, 16]
    for hour in (10, 11):
        with pytest.raises(ValidationError) as refused:
            _book(w, hourly, hour, 1, f"clash-{hour}")
        assert refused.value.code == "full"
    assert _book(w, hourly, 12, 1, "after").status == Status.CONFIRMED


def test_a_job_that_would_overlap_a_later_booking_is_refused_and_changes_nothing(w, hourly):
    _book(w, hourly, 11, 1, "eleven")
    with pytest.raises(ValidationError, match="whole job"):
        _book(w, hourly, 9, 3, "overlaps")
    booked = _booked(hourly)
    assert (booked.get(9, 0), booked.get(10, 0), booked[11]) == (0, 0, 1)
    assert ServiceOrder.objects.count() == 1
    # A shorter job that ends before eleven fits.
    assert _book(w, hourly, 9, 2, "two").status == Status.CONFIRMED


def test_the_slot_list_follows_the_length_of_the_job(w, hourly):
    _book(w, hourly, 12, 1, "noon")
    day = next_slot(hourly).date()
    starts = lambda hours: [  # noqa: E731
        services.timezone.localtime(s.start).hour
        for s in services.available_slots(hourly, quantity=Decimal(hours))
        if s.start.date() == day
    ]
    assert starts(1) == [9, 10, 11, 13, 14, 15, 16]
    assert starts(3) == [9, 13, 14]  # 10:00 and 11:00 would run into the noon job; 15:00 past five


def test_a_job_running_past_the_end_of_the_day_is_refused(w, hourly):
    with pytest.raises(ValidationError) as refused:
        _book(w, hourly, 15, 3, "late")
    assert refused.value.code == "too_long" and "17:00" in refused.value.messages[0]
    assert not ServiceOrder.objects.exists()


def test_part_hours_round_up_to_whole_slots(w, hourly):
    order = _book(w, hourly, 9, "1.5", "half")
    assert order.slot_end - order.slot_start == datetime.timedelta(hours=2)
    assert _booked(hourly) == {9: 1, 10: 1}
    assert order.amount == Decimal("60.00")  # the price follows the hours ordered, not the slots held


def test_one_provider_keeps_the_whole_job(w, hourly):
    """Two providers, each busy at a different hour: nobody is free for 09–12, so the job is refused."""
    second = Provider.objects.create(office=w.site.office, name="Second", capacity_per_slot=1)
    second.services.add(hourly)
    _book(w, hourly, 10, 1, "a")  # goes to Solo
    _book(w, hourly, 11, 1, "b")  # Solo is free at 11 too: Solo again
    assert _book(w, hourly, 9, 3, "c").provider == second  # Second is free all three hours
    with pytest.raises(ValidationError, match="whole job"):
        _book(w, hourly, 9, 3, "d")


def test_cancelling_gives_back_every_slot_once(w, hourly):
    order = _book(w, hourly, 9, 3, "three")
    services.cancel_by_staff(w.manager, order, "Resident away")
    assert _booked(hourly) == {9: 0, 10: 0, 11: 0}
    order.refresh_from_db()
    assert order.slot_released
    assert _book(w, hourly, 10, 1, "again").status == Status.CONFIRMED

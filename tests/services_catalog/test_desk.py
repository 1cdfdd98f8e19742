"""The front desk orders a service for a household that phoned or walked in."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from commerce.billing.models import Bill
from notifications.models import Notification
from services_catalog import services
from services_catalog.models import ProviderSlot, ServiceOrder
from tests.factories import ResidentMembershipFactory, UnitFactory, UserFactory

from .conftest import next_slot

pytestmark = pytest.mark.django_db
Status = ServiceOrder.Status


def _new():
    return reverse("services_orders:new")


def _desk_order(w, *, payment="household", channel="phone", key="d1", service=None, unit=None):
    service = service or w.lock
    return services.place_order_for_resident(
        w.desk,
        unit or w.unit,
        service,
        channel=channel,
        slot_start=next_slot(service),
        payment_method=payment,
        request_key=key,
    )


def test_the_desk_finds_a_household_by_number_building_name_or_phone(w):
    w.resident.phone = "+8613911112222"
    w.resident.save()
    far = UnitFactory(building=w.other.building, grid=w.other.grid, number="1101")
    by_number = services.find_units(w.desk, "1101")
    assert by_number == [w.unit]  # office B's 1101 is not the desk's
    assert services.find_units(w.desk, f"{w.site.building.name}-1102") == [w.unit2]
    assert services.find_units(w.desk, "ruan") == [w.unit]
    assert services.find_units(w.desk, "13911112222") == [w.unit]
    assert by_number[0].resident_names == ["Resident Ruan"]
    assert services.find_units(w.manager_b, "1101") == [far]
    assert services.find_units(w.desk, "") == []


def test_charged_to_the_household_the_order_is_confirmed_at_once(w):
    order = _desk_order(w)
    assert (order.status, order.channel, order.ordered_by) == (Status.CONFIRMED, "phone", w.desk)
    assert order.bill.unit == w.unit and order.bill.total == order.amount
    assert "Taken by the front desk (Phone call to the front desk)" in order.events.get().note
    # Every resident of the household hears of it, not the clerk.
    assert Notification.objects.filter(recipient=w.resident, event="services.confirmed").exists()
    assert not Notification.objects.filter(recipient=w.desk, event="services.confirmed").exists()
    assert order in services.orders_for_resident(w.resident)


def test_left_to_pay_online_the_residents_are_asked_to_pay_and_can(w, settings):
    settings.SERVICES_DESK_UNPAID_MINUTES = 120
    before = timezone.now()
    order = _desk_order(w, payment="online", channel="walk_in")
    assert order.status == Status.AWAITING_PAYMENT
    assert before + datetime.timedelta(minutes=119) < order.pay_by <= timezone.now() + datetime.timedelta(minutes=120)
    note = Notification.objects.get(recipient=w.resident, event="services.to_pay")
    assert note.url == reverse("services_catalog:order", args=[order.pk])

    payment = services.start_online_payment(w.resident, order)
    assert list(payment.requested_bills.all()) == [order.bill]
    with pytest.raises(PermissionDenied):
        services.start_online_payment(w.neighbour, order)


def test_the_desk_cannot_order_for_another_offices_household_or_without_a_channel(w):
    far = UnitFactory(building=w.other.building, grid=w.other.grid, number="0808")
    with pytest.raises(PermissionDenied):
        _desk_order(w, unit=far)
    with pytest.raises(ValidationError, match="phoned or came in"):
        _desk_order(w, channel="online")
    assert not ServiceOrder.objects.exists() and not ProviderSlot.objects.filter(booked__gt=0).exists()


def test_the_desk_screen_walks_from_the_search_to_a_booking(client, w):
    client.force_login(w.desk)
    page = client.get(_new() + "?q=1101").content.decode()
    assert str(w.unit) in page and "Resident Ruan" in page and f"?unit={w.unit.pk}" in page

    page = client.get(_new() + f"?unit={w.unit.pk}").content.decode()
    assert "Lock opening" in page and "¥120.00" in page

    form = client.get(_new() + f"?unit={w.unit.pk}&service={w.lock.pk}").content.decode()
    slot = next_slot(w.lock)
    assert slot.isoformat() in form and "Charge to the household account" in form
    data = {
        "unit": w.unit.pk,
        "service": w.lock.pk,
        "channel": "phone",
        "slot": slot.isoformat(),
        "payment": "online",
        "note": "Key under the mat",
        "request_key": "desk-1",
    }
    response = client.post(_new(), data)
    order = ServiceOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("services_orders:detail", args=[order.pk])
    assert (order.status, order.note, order.unit) == (Status.AWAITING_PAYMENT, "Key under the mat", w.unit)
    client.post(_new(), data)  # a double submit books once
    assert ServiceOrder.objects.count() == 1
    assert Bill.objects.count() == 1


def test_bad_input_on_the_desk_screen_is_refused_and_books_nothing(client, w):
    client.force_login(w.desk)
    base = {"unit": w.unit.pk, "service": w.lock.pk, "payment": "household", "request_key": "bad"}
    response = client.post(_new(), {**base, "channel": "carrier pigeon", "slot": next_slot(w.lock).isoformat()})
    assert response.status_code == 422 and "phoned or came in" in response.content.decode()
    past = (timezone.now() - datetime.timedelta(hours=3)).isoformat()
    response = client.post(_new(), {**base, "channel": "phone", "slot": past})
    assert response.status_code == 422 and "in the past" in response.content.decode()
    assert not ServiceOrder.objects.exists() and not Bill.objects.exists()


def test_the_desk_screen_is_for_order_staff_of_the_households_office(client, w):
    far = UnitFactory(building=w.other.building, grid=w.other.grid, number="0909")
    client.force_login(w.desk)
    assert client.get(_new() + f"?unit={far.pk}").status_code == 404
    client.force_login(w.worker)  # a technician does not take orders
    assert client.get(_new()).status_code in (302, 403)
    resident = UserFactory()
    ResidentMembershipFactory(user=resident, unit=w.unit)
    client.force_login(resident)
    assert client.get(_new()).status_code in (302, 403)


def test_the_unit_lookup_links_to_ordering_for_the_household(client, w):
    order = _desk_order(w)
    client.force_login(w.desk)
    page = client.get(reverse("properties_unit:inspect", args=[w.unit.pk])).content.decode()
    assert f"{_new()}?unit={w.unit.pk}" in page and order.reference in page

"""What only a real PostgreSQL can prove: a slot's capacity holds when many residents book it at once."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from services_catalog import services
from services_catalog.models import Provider, ProviderSlot, ServiceOrder
from tests.factories import ResidentMembershipFactory, UnitFactory, UserFactory

from .conftest import next_slot

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True)
def test_twenty_residents_booking_a_slot_for_three_get_exactly_three_orders(w):
    firm = Provider.objects.create(office=w.site.office, name="Firm B", kind="firm", capacity_per_slot=1)
    firm.services.add(w.lock)  # Team A holds 2 jobs a slot, Firm B 1: 3 in all
    households = []
    for n in range(20):
        unit = UnitFactory(building=w.site.building, grid=w.site.grid, number=f"{2001 + n}", floor_area=Decimal("90"))
        user = UserFactory()
        ResidentMembershipFactory(user=user, unit=unit)
        households.append((user, unit))
    slot = next_slot(w.lock)
    barrier = threading.Barrier(len(households))
    outcomes = []

    def book(user, unit, n):
        try:
            barrier.wait()
            services.place_order(
                user, unit, w.lock, slot_start=slot, payment_method="household", request_key=f"race-{n}"
            )
            outcomes.append("booked")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(u, unit, n)) for n, (u, unit) in enumerate(households)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("booked") == 3 and outcomes.count("full") == 17
    assert ServiceOrder.objects.filter(status="confirmed").count() == 3
    assert {s.provider.name: s.booked for s in ProviderSlot.objects.select_related("provider")} == {
        "Team A": 2,
        "Firm B": 1,
    }


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_more_bookings_than_the_capacity(w):
    from django.db import IntegrityError, transaction

    slot = ProviderSlot.objects.create(provider=w.team, start=next_slot(w.lock), capacity=2, booked=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProviderSlot.objects.filter(pk=slot.pk).update(booked=3)


@pytest.mark.django_db
def test_the_database_refuses_to_edit_order_history(w):
    from django.db import DatabaseError, connection, transaction

    order = services.place_order(
        w.resident, w.unit, w.lock, slot_start=next_slot(w.lock), payment_method="household", request_key="hist"
    )
    event = order.events.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE services_catalog_serviceorderevent SET note = 'x' WHERE id = %s", [event.pk])

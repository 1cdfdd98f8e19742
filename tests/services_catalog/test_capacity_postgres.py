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


@pytest.mark.django_db(transaction=True)
def test_overlapping_bookings_racing_for_one_provider_never_overbook_a_slot(w):
    """One provider, one job at a time, hourly slots. 12 residents race for jobs that overlap in every way
    (09–12, 11–13, 12–13, 09–10): every slot holds at most one job, and the winners never overlap."""
    from services_catalog.models import HeldSlot

    from .conftest import make_service

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
    plans = [(9, "3"), (11, "2"), (12, "1"), (9, "1")] * 3
    households = []
    for n in range(len(plans)):
        unit = UnitFactory(building=w.site.building, grid=w.site.grid, number=f"{3001 + n}")
        user = UserFactory()
        ResidentMembershipFactory(user=user, unit=unit)
        households.append((user, unit))
    barrier = threading.Barrier(len(plans))
    outcomes = []

    def book(n):
        user, unit = households[n]
        hour, hours = plans[n]
        try:
            barrier.wait()
            services.place_order(
                user,
                unit,
                hourly,
                slot_start=next_slot(hourly, hour=hour),
                quantity=hours,
                payment_method="household",
                request_key=f"overlap-{n}",
            )
            outcomes.append("booked")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(n,)) for n in range(len(plans))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    booked = list(ServiceOrder.objects.filter(service=hourly, status="confirmed"))
    assert len(booked) == outcomes.count("booked") >= 1
    assert outcomes.count("full") == len(plans) - len(booked)
    # The winners' hours never overlap, and each slot's counter equals the jobs holding it.
    hours = [h for order in booked for h in range(order.slot_start.hour, order.slot_end.hour)]
    assert len(hours) == len(set(hours))
    for slot in ProviderSlot.objects.filter(provider=solo):
        assert slot.booked == HeldSlot.objects.filter(slot=slot).count() <= 1


@pytest.mark.django_db(transaction=True)
def test_ten_residents_racing_for_three_hour_jobs_get_exactly_the_capacity(w):
    from .conftest import make_service

    hourly = make_service(
        w.site.office,
        w.category,
        "Housekeeping",
        model="per_hour",
        price="40.00",
        slot_minutes=60,
        max_quantity=Decimal("8"),
    )
    crew = Provider.objects.create(office=w.site.office, name="Crew", capacity_per_slot=2)
    crew.services.add(hourly)
    households = []
    for n in range(10):
        unit = UnitFactory(building=w.site.building, grid=w.site.grid, number=f"{4001 + n}")
        user = UserFactory()
        ResidentMembershipFactory(user=user, unit=unit)
        households.append((user, unit))
    barrier = threading.Barrier(len(households))
    outcomes = []

    def book(user, unit, n):
        try:
            barrier.wait()
            services.place_order(
                user,
                unit,
                hourly,
                slot_start=next_slot(hourly, hour=9 + n % 2),
                quantity="3",
                payment_method="household",
                request_key=f"three-{n}",
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

    # Jobs from 09:00 and from 10:00 all hold 10:00 and 11:00, where two fit: two jobs in all.
    assert outcomes.count("booked") == 2 and outcomes.count("full") == 8
    assert max(ProviderSlot.objects.filter(provider=crew).values_list("booked", flat=True)) == 2

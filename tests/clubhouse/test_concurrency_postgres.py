"""What only a real PostgreSQL can prove: 50 households racing for the last place get one booking, 49 refusals."""

import threading
from decimal import Decimal

import pytest
from django.db import connections

from portal.clubhouse import services
from portal.clubhouse.models import Booking, Slot
from tests.factories import AccountFactory, ResidentMembershipFactory, UnitFactory

from .conftest import at, make_facility

pytestmark = pytest.mark.postgres

RACERS = 50


def _households(site, count):
    homes = []
    for n in range(count):
        unit = UnitFactory(building=site.building, grid=site.grid, number=f"{n + 1:04d}", floor=1)
        user = AccountFactory(full_name=f"Racer {n}")
        ResidentMembershipFactory(user=user, unit=unit)
        homes.append((unit, user))
    return homes


def _race(facility, homes, starts_at, method=""):
    barrier = threading.Barrier(len(homes))
    booked, refused, errors = [], [], []

    def worker(unit, user):
        try:
            barrier.wait()
            booked.append(services.book(user, unit, facility, starts_at, 1, method).pk)
        except services.BookingRefused as refusal:
            refused.append(refusal)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=home) for home in homes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return booked, refused, errors


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_requests_for_the_last_place_give_one_booking_and_49_clear_refusals(site):
    gym = make_facility(site.community, capacity=5)
    homes = _households(site, RACERS + 4)
    for unit, user in homes[:4]:
        services.book(user, unit, gym, at(1, 10), 1)

    booked, refused, errors = _race(gym, homes[4:], at(1, 10))

    assert errors == []
    assert len(booked) == 1 and len(refused) == RACERS - 1
    assert all(r.code == "full" and "fully booked" in r.messages[0] for r in refused)
    slot = Slot.objects.get()
    assert slot.taken == 5 and Booking.objects.filter(slot=slot).count() == 5


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_requests_for_an_exclusive_slot_give_one_paid_booking(site):
    room = make_facility(site.community, name="Function room", capacity=20, exclusive=True, price=Decimal("200.00"))
    homes = _households(site, RACERS)
    services.charge_item(site.office)  # the office's clubhouse charge item exists, as after the first booking

    booked, refused, errors = _race(room, homes, at(2, 10), "household")

    assert errors == []
    assert len(booked) == 1 and len(refused) == RACERS - 1
    assert all(r.code == "full" for r in refused)
    booking = Booking.objects.get()
    assert booking.bill.total == Decimal("200.00") and Slot.objects.get().taken == 20


@pytest.mark.django_db(transaction=True)
def test_the_database_itself_refuses_an_overbooked_slot(site):
    from django.db import IntegrityError

    gym = make_facility(site.community, capacity=2)
    slot = Slot.objects.create(facility=gym, starts_at=at(1, 10), ends_at=at(1, 11), capacity=2, taken=2)
    with pytest.raises(IntegrityError):
        Slot.objects.filter(pk=slot.pk).update(taken=3)

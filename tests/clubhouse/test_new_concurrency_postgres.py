"""Races on PostgreSQL: desk and residents for one exclusive slot with a deposit, a class place freed while others
try to enrol, and double-submitted teacher payouts."""

import threading
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone

from portal.clubhouse import payouts, services
from portal.clubhouse.models import (
    Booking,
    BookingDeposit,
    ClassSession,
    ClassWaitlistEntry,
    Enrolment,
    Teacher,
    TeacherPayout,
    TrainingClass,
)

from .conftest import at, household, make_facility

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_together(calls):
    barrier = threading.Barrier(len(calls))
    results, refused, errors = [], [], []

    def worker(call):
        try:
            barrier.wait()
            results.append(call())
        except services.BookingRefused as refusal:
            refused.append(refusal)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, refused, errors


def test_the_desk_and_residents_racing_for_an_exclusive_slot_with_a_deposit_give_one_booking(site, desk):
    room = make_facility(
        site.community, name="Room", capacity=10, exclusive=True, price=Decimal("100.00"), deposit=Decimal("200.00")
    )
    homes = [household(site, f"04{n:02d}") for n in range(8)]
    services.charge_item(site.office)
    services.charge_item(site.office, services.DEPOSIT_CODE)
    calls = [lambda u=u, r=r: services.book(r, u, room, at(2, 10), 2, "household") for u, r in homes[:6]]
    calls += [
        lambda u=u: services.book_for_household(desk, u, room, at(2, 10), 2, override_reason="Desk")
        for u, _r in homes[6:]
    ]

    booked, refused, errors = _run_together(calls)

    assert errors == []
    assert len(booked) == 1 and len(refused) == 7 and all(r.code == "full" for r in refused)
    assert Booking.objects.count() == 1 and BookingDeposit.objects.count() == 1


def test_a_freed_class_place_goes_to_the_waitlist_not_to_racers(site):
    teacher = Teacher.objects.create(office=site.office, name="T")
    cls = TrainingClass.objects.create(
        community=site.community, title="Go", teacher=teacher, capacity=1, fee=Decimal("0"), teacher_percent=50
    )
    ClassSession.objects.create(training_class=cls, starts_at=at(3, 9), ends_at=at(3, 10))
    holder_unit, holder = household(site, "0101")
    enrolment = services.enrol(holder, holder_unit, cls, "First")
    waiting_unit, waiting_user = household(site, "0102")
    entry = services.join_class_waitlist(waiting_user, waiting_unit, cls, "Waiting")
    racers = [household(site, f"02{n:02d}") for n in range(6)]

    calls = [lambda: services.cancel_enrolment(enrolment, holder)]
    calls += [lambda u=u, r=r: services.enrol(r, u, cls, "Racer") for u, r in racers]
    done, refused, errors = _run_together(calls)

    assert errors == []
    assert len(done) == 1 and len(refused) == 6  # only the cancellation went through
    cls.refresh_from_db()
    entry.refresh_from_db()
    assert cls.enrolled == 1 and entry.status == ClassWaitlistEntry.Status.PROMOTED
    assert Enrolment.objects.exclude(status=Enrolment.Status.CANCELLED).get().student == "Waiting"


def test_double_submitted_payouts_post_and_pay_once(site, manager):
    teacher = Teacher.objects.create(office=site.office, name="T")
    cls = TrainingClass.objects.create(
        community=site.community, title="Ink", teacher=teacher, capacity=5, fee=Decimal("100"), teacher_percent=70
    )
    for n in range(3):
        unit, user = household(site, f"03{n:02d}")
        services.enrol(user, unit, cls, "S", "household")
    today = timezone.localdate()

    posted, _refused, errors = _run_together([lambda: payouts.post_payout(manager, teacher, today, today)] * 5)
    assert errors == [] and TeacherPayout.objects.count() == 1
    payout = TeacherPayout.objects.get()
    assert {p.pk for p in posted} == {payout.pk} and payout.amount == Decimal("210.00")

    paid, _refused, errors = _run_together([lambda: payouts.mark_paid(manager, payout, "TX")] * 5)
    assert errors == [] and len(paid) == 5
    assert len({p.payment_posting_id for p in paid}) == 1

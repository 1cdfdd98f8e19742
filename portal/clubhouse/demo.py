"""Demo data of this app (run from ``manage.py seed_demo``): facilities in every demo community with opening
hours, a closure, bookings in the past weeks (for the utilisation report) and the coming days, a training class
with a teacher, sessions and enrolments."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from portal import demo
from portal.people.models import ResidentMembership
from portal.properties.models import Community

from .models import (
    Booking,
    BookingEvent,
    ClassSession,
    Closure,
    Enrolment,
    Facility,
    OpeningHours,
    Slot,
    Teacher,
    TrainingClass,
)

FACILITIES = [
    # name, kind, slot minutes, capacity, exclusive, price, opens, closes
    ("多功能厅 Function room", Facility.Kind.FUNCTION_ROOM, 120, 40, True, "200.00", 9, 21),
    ("健身房 Gym", Facility.Kind.GYM, 60, 15, False, "0.00", 6, 22),
    ("网球场 Tennis court", Facility.Kind.TENNIS, 60, 4, True, "60.00", 7, 21),
    ("自习室 Study room", Facility.Kind.STUDY, 120, 20, False, "5.00", 8, 22),
]


def _aware(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _facilities(community) -> list[Facility]:
    made = []
    for name, kind, minutes, capacity, exclusive, price, opens, closes in FACILITIES:
        facility, created = Facility.objects.get_or_create(
            community=community,
            name=name,
            defaults={
                "kind": kind,
                "slot_minutes": minutes,
                "capacity": capacity,
                "exclusive": exclusive,
                "price": Decimal(price),
                "deposit": Decimal("500.00") if kind == Facility.Kind.FUNCTION_ROOM else Decimal("0.00"),
                "weekly_limit": 2 if exclusive else 5,
                "location": "会所 Clubhouse",
                "rules_text": "请穿运动鞋，爱护器材。Please wear sports shoes and look after the equipment.",
            },
        )
        if created:
            for weekday in range(7):
                OpeningHours.objects.create(
                    facility=facility, weekday=weekday, opens=datetime.time(opens), closes=datetime.time(closes)
                )
            made.append(facility)
    return made


def _past_bookings(facility, households, today, rng) -> int:
    """Checked-in bookings in the past two weeks (free of charge: they are history for the report)."""
    from .services import slot_times

    count = 0
    for back in range(1, 15):
        day = today - datetime.timedelta(days=back)
        for start, end in slot_times(facility, day):
            busy = 0.7 if 18 <= timezone.localtime(start).hour <= 20 else 0.25
            if rng.random() > busy:
                continue
            unit, user = rng.choice(households)
            people = facility.capacity if facility.exclusive else rng.randint(1, min(4, facility.capacity))
            places = facility.capacity if facility.exclusive else people
            slot, _ = Slot.objects.get_or_create(
                facility=facility, starts_at=start, defaults={"ends_at": end, "capacity": facility.capacity}
            )
            if slot.taken + places > slot.capacity:
                continue
            slot.taken += places
            slot.save(update_fields=["taken"])
            status = Booking.Status.NO_SHOW if rng.random() < 0.05 else Booking.Status.CHECKED_IN
            booking = Booking.objects.create(
                slot=slot,
                facility=facility,
                unit=unit,
                booked_by=user,
                people=min(people, 8),
                places=places,
                payment_method="free",
                status=status,
            )
            BookingEvent.objects.create(booking=booking, status=status)
            count += 1
    return count


def _coming_bookings(facility, households, rng) -> int:
    from . import services

    count = 0
    now = timezone.now()
    for ahead in range(1, 6):
        day = timezone.localdate() + datetime.timedelta(days=ahead)
        for start, _end in services.slot_times(facility, day):
            if start <= now or rng.random() > 0.2:
                continue
            unit, user = rng.choice(households)
            try:
                services.book(user, unit, facility, start, 2 if not facility.exclusive else 6, "household")
                count += 1
            except services.BookingRefused:
                continue
    return count


def _class(community, office, today) -> int:
    teacher, _ = Teacher.objects.get_or_create(office=office, name="周老师 Zhou Lan", defaults={"phone": "13700001234"})
    cls, created = TrainingClass.objects.get_or_create(
        community=community,
        title="少儿书法 Children's calligraphy",
        defaults={
            "teacher": teacher,
            "capacity": 12,
            "fee": Decimal("480.00"),
            "teacher_percent": Decimal("70"),
            "description": "8 次课，每周六上午。Eight Saturday mornings.",
        },
    )
    if not created:
        return 0
    first = today + datetime.timedelta(days=(5 - today.weekday()) % 7 or 7)
    for week in range(8):
        day = first + datetime.timedelta(days=7 * week)
        ClassSession.objects.create(
            training_class=cls, starts_at=_aware(day, 9), ends_at=_aware(day, 11), place="会所二楼 Room 2"
        )
    return 1 + 8


def seed_demo_clubhouse(today: datetime.date) -> int:
    """Create the demo records when missing; returns how many were made."""
    from . import services

    made = 0
    rng = random.Random("clubhouse")
    for spec in demo.COMMUNITIES:
        community = Community.objects.filter(code=spec.code).select_related("office").first()
        if community is None:
            continue
        new = _facilities(community)
        made += len(new)
        if not new:
            continue
        Closure.objects.create(
            facility=new[0],
            starts_at=_aware(today + datetime.timedelta(days=4), 9),
            ends_at=_aware(today + datetime.timedelta(days=4), 21),
            reason="地板保养 Floor maintenance",
        )
        memberships = list(
            ResidentMembership.objects.active()
            .filter(unit__building__community=community)
            .select_related("unit__building__community", "user")
            .order_by("pk")[:12]
        )
        households = [(m.unit, m.user) for m in memberships]
        if not households:
            continue
        for facility in new:
            made += _past_bookings(facility, households, today, rng)
            made += _coming_bookings(facility, households, rng)
        made += _class(community, community.office, today)
        cls = TrainingClass.objects.filter(community=community).first()
        for unit, user in households[:3]:
            try:
                services.enrol(user, unit, cls, f"{user.full_name or 'Student'} 的孩子", "household")
                made += 1
            except services.BookingRefused:
                continue
    return made


__all__ = ["seed_demo_clubhouse", "Enrolment"]

"""Look-ups for the clubhouse desk: find a household to book for, and list bookings over several days."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, Q

from portal.people.models import ResidentMembership
from portal.properties.models import Unit

from .models import Booking
from .services import _aware, scope

MAX_DAYS = 31
MAX_UNITS = 20


def search_units(user, query: str):
    """Households of the desk's offices matching ``query``: a unit number, "building-unit" (e.g. "3-1201"),
    a resident's name or phone. At most ``MAX_UNITS``, with their current residents."""
    query = (query or "").strip()
    if not query:
        return Unit.objects.none()
    units = scope(user, Unit.objects.all(), "building__community__office")
    match = Q(number__icontains=query) | (
        Q(memberships__end_date__isnull=True)
        & (Q(memberships__user__full_name__icontains=query) | Q(memberships__user__phone__icontains=query))
    )
    for separator in ("-", " ", "/"):
        if separator in query.strip(separator):
            building, number = (part.strip() for part in query.split(separator, 1))
            match |= Q(building__name__iexact=building, number__iexact=number)
            break
    residents = ResidentMembership.objects.active().select_related("user").order_by("role")
    return (
        units.filter(match)
        .distinct()
        .select_related("building__community")
        .prefetch_related(Prefetch("memberships", queryset=residents, to_attr="residents"))
        .order_by("building__community__name", "building__name", "number")[:MAX_UNITS]
    )


def bookings_between(user, start: datetime.date, end: datetime.date, *, facility=None, status="", query=""):
    """Bookings of the desk's offices from ``start`` to ``end`` (at most ``MAX_DAYS`` days), filtered."""
    end = min(end, start + datetime.timedelta(days=MAX_DAYS - 1))
    bookings = scope(
        user,
        Booking.objects.filter(
            slot__starts_at__gte=_aware(start, datetime.time.min),
            slot__starts_at__lt=_aware(end + datetime.timedelta(days=1), datetime.time.min),
        ),
        "facility__community__office",
    ).select_related("slot", "facility__community", "unit__building", "booked_by", "deposit")
    if facility:
        bookings = bookings.filter(facility=facility)
    if status:
        bookings = bookings.filter(status=status)
    query = (query or "").strip()
    if query:
        match = Q(unit__number__icontains=query) | Q(booked_by__full_name__icontains=query)
        if query.upper().startswith("CH-") and query[3:].isdigit():
            match |= Q(pk=int(query[3:]))
        bookings = bookings.filter(match)
    return bookings.order_by("slot__starts_at", "facility__name", "pk"), end

"""Look-ups for the clubhouse desk: find a household to book for, and list bookings over several days."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, Q, prefetch_related_objects

from portal.people.models import ResidentMembership
from portal.properties import household_search
from portal.properties.models import Unit

from .models import Booking
from .services import _aware, scope

MAX_DAYS = 31
MAX_UNITS = 20


def search_units(user, query: str) -> list[Unit]:
    """Households of the desk's offices matching ``query`` (``portal.properties.household_search``), at most
    ``MAX_UNITS``, each with its current residents."""
    units = household_search.search(scope(user, Unit.objects.all(), "building__community__office"), query, MAX_UNITS)
    residents = ResidentMembership.objects.active().select_related("user").order_by("role")
    prefetch_related_objects(units, Prefetch("memberships", queryset=residents, to_attr="residents"))
    return units


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

"""Every state change of the clubhouse: booking, paying, cancelling, waitlists, the desk, classes.

Overbooking is prevented by the slot row: a booking locks its household's unit row, then the slot row
(``select_for_update``), and only then compares the places taken with the capacity; the slot's CHECK
constraint (``taken <= capacity``) backs that up in the database. Waitlist promotion runs under the
same slot lock, inside the cancelling transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from commerce.billing import one_off
from commerce.billing.models import ChargeItem
from commerce.money import format_money, parse_amount, round_money, to_decimal
from portal.access import may_act_in_office, office_ids_with_role
from portal.people.models import StaffRole
from portal.properties.models import Unit

from .models import (
    Attendance,
    Booking,
    BookingEvent,
    ClassSession,
    ClassWaitlistEntry,
    Closure,
    ClubhouseSettings,
    Enrolment,
    EnrolmentEvent,
    Extra,
    Facility,
    PaymentMethod,
    Slot,
    Suspension,
    TrainingClass,
    WaitlistEntry,
)

DESK_ROLES = (StaffRole.FRONT_DESK, StaffRole.OFFICE_MANAGER)
MANAGE_ROLES = (StaffRole.OFFICE_MANAGER,)
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
DEPOSIT_CODE = "clubhouse-deposit"
# Rules the desk may book past with a recorded reason; time, closures and capacity always hold.
OVERRIDABLE = {"horizon", "weekly_limit", "suspended", "non_residents", "inactive"}


class BookingRefused(ValidationError):
    """A refusal that names its rule (``code``): past, horizon, hours, closure, capacity, weekly_limit, ..."""

    def __init__(self, message, code):
        super().__init__(message, code=code)


# --- who may do what ------------------------------------------------------------------------


def desk_office_ids(user):
    return office_ids_with_role(user, DESK_ROLES)


def manage_office_ids(user):
    return office_ids_with_role(user, MANAGE_ROLES)


def may_use_desk(user) -> bool:
    ids = desk_office_ids(user)
    return ids is None or bool(ids)


def may_manage(user) -> bool:
    ids = manage_office_ids(user)
    return ids is None or bool(ids)


def scope(user, queryset, path: str, roles=DESK_ROLES):
    ids = office_ids_with_role(user, roles)
    return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def _require_desk(user, office) -> None:
    if not may_act_in_office(user, DESK_ROLES, office):
        raise PermissionDenied(_("You do not work at the clubhouse desk of this office."))


def facilities_for(unit):
    """Facilities a household may book: its own community's, and the office's open ones."""
    community = unit.building.community
    return (
        Facility.objects.filter(active=True)
        .filter(Q(community=community) | Q(community__office_id=community.office_id, non_residents=True))
        .select_related("community__office")
    )


# --- time: opening hours, slots, the week calendar ------------------------------------------


def _aware(day: datetime.date, at: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, at))


def slot_times(facility: Facility, day: datetime.date, hours=None) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """The slots a facility offers on ``day`` (whole slots within each opening period)."""
    hours = hours if hours is not None else list(facility.hours.all())
    length = datetime.timedelta(minutes=facility.slot_minutes)
    times = []
    for period in hours:
        if period.weekday != day.weekday():
            continue
        start, close = _aware(day, period.opens), _aware(day, period.closes)
        while start + length <= close:
            times.append((start, start + length))
            start += length
    return sorted(times)


def closure_at(facility: Facility, starts_at, ends_at, closures=None) -> Closure | None:
    if closures is None:
        return facility.closures.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).first()
    return next((c for c in closures if c.starts_at < ends_at and c.ends_at > starts_at), None)


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@dataclass
class CalendarSlot:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    free: int
    state: str  # free, full, closed, past, later
    note: str = ""

    @property
    def key(self) -> str:
        return timezone.localtime(self.starts_at).strftime("%Y-%m-%dT%H:%M")


@dataclass
class CalendarDay:
    day: datetime.date
    slots: list[CalendarSlot] = field(default_factory=list)


def week_calendar(facility: Facility, monday: datetime.date, now=None) -> list[CalendarDay]:
    now = now or timezone.now()
    days = [monday + datetime.timedelta(days=n) for n in range(7)]
    first, last = _aware(days[0], datetime.time.min), _aware(days[-1] + datetime.timedelta(days=1), datetime.time.min)
    hours = list(facility.hours.all())
    closures = list(facility.closures.filter(starts_at__lt=last, ends_at__gt=first))
    slots = {s.starts_at: s for s in facility.slots.filter(starts_at__gte=first, starts_at__lt=last)}
    horizon = timezone.localdate(now) + datetime.timedelta(days=facility.horizon_days)
    calendar = []
    for day in days:
        entry = CalendarDay(day)
        for start, end in slot_times(facility, day, hours):
            row = slots.get(start)
            capacity = row.capacity if row else facility.capacity
            free = row.free if row else capacity
            closure = closure_at(facility, start, end, closures)
            if closure:
                state, note = "closed", closure.reason
            elif start <= now:
                state, note = "past", ""
            elif day > horizon:
                state, note = "later", ""
            else:
                state, note = ("free" if free > 0 else "full"), ""
            entry.slots.append(CalendarSlot(start, end, capacity, free, state, note))
        calendar.append(entry)
    return calendar


def upcoming_closures(facility: Facility, now=None):
    now = now or timezone.now()
    return facility.closures.filter(ends_at__gt=now).order_by("starts_at")


# --- money ----------------------------------------------------------------------------------


def charge_item(office, code: str = "clubhouse") -> ChargeItem:
    names = {"clubhouse": _("Clubhouse"), "class": _("Training class"), DEPOSIT_CODE: _("Clubhouse deposit")}
    item, _created = ChargeItem.objects.get_or_create(
        office=office,
        code=code,
        defaults={"name": str(names.get(code, code)), "kind": ChargeItem.Kind.ONE_OFF, "cycle": ChargeItem.Cycle.ONCE},
    )
    return item


def price_of(facility: Facility, people: int) -> Decimal:
    return round_money(facility.price if facility.exclusive else facility.price * people)


def _money(amount: Decimal, office) -> str:
    return format_money(amount, office.region.company.currency)


# --- booking --------------------------------------------------------------------------------


def active_suspension(unit, office, today=None) -> Suspension | None:
    today = today or timezone.localdate()
    return (
        Suspension.objects.filter(unit=unit, office=office, lifted=False, until__gte=today).order_by("-until").first()
    )


def _check_rules(unit, facility: Facility, starts_at, people: int, now, override=False) -> datetime.datetime:
    """Refuse with the rule that is broken; returns the slot's end. ``override`` (the desk, with a reason)
    skips the rules in ``OVERRIDABLE``."""
    community = facility.community
    if not facility.active and not override:
        raise BookingRefused(_("%(facility)s is not taking bookings.") % {"facility": facility}, "inactive")
    unit_community = unit.building.community
    if unit_community.office_id != community.office_id:
        raise BookingRefused(_("%(facility)s belongs to another office.") % {"facility": facility}, "office")
    if unit_community.pk != community.pk and not facility.non_residents and not override:
        raise BookingRefused(
            _("%(facility)s may only be booked by residents of %(community)s.")
            % {"facility": facility, "community": community.name},
            "non_residents",
        )
    if people < 1:
        raise BookingRefused(_("Book for at least one person."), "people")
    local = timezone.localtime(starts_at)
    if starts_at <= now:
        raise BookingRefused(_("That time has passed: bookings in the past are not possible."), "past")
    horizon = facility.horizon_days
    if not override and local.date() > timezone.localdate(now) + datetime.timedelta(days=horizon):
        raise BookingRefused(
            _("%(facility)s can be booked at most %(days)s days ahead; this slot opens for booking on %(date)s.")
            % {
                "facility": facility,
                "days": horizon,
                "date": date_format(local.date() - datetime.timedelta(days=horizon)),
            },
            "horizon",
        )
    ends_at = next((end for start, end in slot_times(facility, local.date()) if start == starts_at), None)
    if ends_at is None:
        raise BookingRefused(
            _("%(facility)s is not open at %(time)s: choose a slot within its opening hours.")
            % {"facility": facility, "time": local.strftime("%Y-%m-%d %H:%M")},
            "hours",
        )
    closure = closure_at(facility, starts_at, ends_at)
    if closure:
        raise BookingRefused(
            _("%(facility)s is closed then: %(reason)s.") % {"facility": facility, "reason": closure.reason}, "closure"
        )
    if people > facility.capacity:
        raise BookingRefused(
            _("At most %(capacity)s people fit in %(facility)s; you asked for %(people)s.")
            % {"capacity": facility.capacity, "facility": facility, "people": people},
            "capacity",
        )
    suspension = None if override else active_suspension(unit, community.office, timezone.localdate(now))
    if suspension:
        raise BookingRefused(
            _("Your household may not book the clubhouse until %(date)s: %(reason)s")
            % {"date": date_format(suspension.until), "reason": suspension.reason},
            "suspended",
        )
    return ends_at


def _check_weekly_limit(unit, facility: Facility, starts_at) -> None:
    if not facility.weekly_limit:
        return
    monday = week_start(timezone.localtime(starts_at).date())
    count = Booking.objects.filter(
        unit=unit,
        facility=facility,
        status__in=Booking.HOLDING,
        slot__starts_at__gte=_aware(monday, datetime.time.min),
        slot__starts_at__lt=_aware(monday + datetime.timedelta(days=7), datetime.time.min),
    ).count()
    if count >= facility.weekly_limit:
        raise BookingRefused(
            _(
                "Your household already has %(count)s bookings of %(facility)s in the week of %(monday)s; "
                "the limit is %(limit)s a week."
            )
            % {"count": count, "facility": facility, "monday": date_format(monday), "limit": facility.weekly_limit},
            "weekly_limit",
        )


def _slot_for_update(facility: Facility, starts_at, ends_at) -> Slot:
    try:
        with transaction.atomic():
            Slot.objects.get_or_create(
                facility=facility, starts_at=starts_at, defaults={"ends_at": ends_at, "capacity": facility.capacity}
            )
    except IntegrityError:
        pass  # created by a concurrent request; it is there now
    return Slot.objects.select_for_update().get(facility=facility, starts_at=starts_at)


def _payment_method(facility: Facility, amount: Decimal, method: str) -> str:
    if amount == 0:
        return PaymentMethod.FREE
    if method not in (PaymentMethod.HOUSEHOLD, PaymentMethod.ONLINE):
        raise BookingRefused(_("Choose how to pay: online now, or charged to your household account."), "payment")
    return method


def _record(booking: Booking, status: str, by=None, note: str = "") -> None:
    BookingEvent.objects.create(booking=booking, status=status, by=by, note=note[:300])


def facility_url(facility: Facility) -> str:
    return reverse("clubhouse:facility", args=[facility.pk])


def booking_url(booking: Booking) -> str:
    return reverse("clubhouse:booking", args=[booking.pk])


def _notify_later(users, event: str, context: dict, url: str = "") -> None:
    from notifications.services import notify

    transaction.on_commit(lambda: notify(users, event, context, url=url))


def recipients(booking: Booking) -> list:
    """Who hears about a booking: whoever booked it, or the household's residents when the desk booked it."""
    if not booking.by_staff:
        return [booking.booked_by]
    from portal.people.models import ResidentMembership

    return [m.user for m in ResidentMembership.objects.active().filter(unit=booking.unit).select_related("user")]


def _booking_context(booking: Booking) -> dict:
    start = timezone.localtime(booking.slot.starts_at)
    return {
        "facility": booking.facility.name,
        "when": start.strftime("%Y-%m-%d %H:%M"),
        "people": booking.people,
        "ref": booking.reference,
        "amount": _money(booking.amount, booking.facility.community.office),
    }


def _place_booking(
    slot: Slot,
    facility: Facility,
    unit,
    user,
    people: int,
    method: str,
    *,
    from_waitlist=False,
    by_staff=False,
    override_reason="",
):
    """Create the booking on a locked slot with room for it, and charge its fee and deposit. Returns the booking."""
    from .deposits import collect_deposit

    places = facility.capacity if facility.exclusive else people
    amount = price_of(facility, people)
    slot.taken += places
    slot.save(update_fields=["taken"])
    booking = Booking.objects.create(
        slot=slot,
        facility=facility,
        unit=unit,
        booked_by=user,
        people=people,
        places=places,
        payment_method=method,
        amount=amount,
        from_waitlist=from_waitlist,
        by_staff=by_staff,
        override_reason=override_reason[:300],
        status=Booking.Status.PENDING if method == PaymentMethod.ONLINE else Booking.Status.CONFIRMED,
    )
    if amount > 0:
        key = f"clubhouse:booking:{booking.pk}"
        booking.bill = one_off.issue_charge(
            unit,
            charge_item(facility.community.office),
            amount,
            key=key,
            source=key,
            note=_("%(facility)s, %(when)s, %(people)s people")
            % {
                "facility": facility,
                "when": timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M"),
                "people": people,
            },
            by=user,
        )
        booking.save(update_fields=["bill"])
    collect_deposit(booking, user)
    if from_waitlist:
        note = _("From the waitlist")
    elif by_staff:
        note = _("Booked at the desk")
        if override_reason:
            note = _("Booked at the desk; rules overridden: %(reason)s") % {"reason": override_reason}
    else:
        note = ""
    _record(booking, booking.status, user, note)
    if booking.status == Booking.Status.CONFIRMED:
        _notify_later(
            recipients(booking), "clubhouse.booking_confirmed", _booking_context(booking), booking_url(booking)
        )
    return booking


def booking_bills(booking: Booking) -> list:
    """The bills of a booking: its fee and its deposit (either may be missing)."""
    deposit = getattr(booking, "deposit", None) if booking.pk else None
    return [b for b in (booking.bill, deposit.bill if deposit else None) if b is not None]


def book(user, unit, facility: Facility, starts_at, people: int, method: str = "", now=None) -> Booking:
    """Book ``people`` into the slot of ``facility`` starting at ``starts_at`` for ``unit``'s household.

    Free and household-charged bookings are confirmed at once; online ones wait for the payment.
    """
    from portal.access import resident_units

    now = now or timezone.now()
    if not resident_units(user).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("You can only book for your own household."))
    people = int(people)
    ends_at = _check_rules(unit, facility, starts_at, people, now)
    method = _payment_method(facility, price_of(facility, people) + facility.deposit, method)
    return _book(user, unit, facility, starts_at, ends_at, people, method)


def book_for_household(staff, unit, facility: Facility, starts_at, people, *, override_reason: str = "", now=None):
    """The desk books for a household: the same rules as residents, unless the clerk overrides the ones in
    ``OVERRIDABLE`` with a reason (recorded on the booking). Fees and deposits go to the household account."""
    now = now or timezone.now()
    _require_desk(staff, facility.community.office)
    override_reason = (override_reason or "").strip()
    try:
        people = int(people)
    except (TypeError, ValueError):
        raise BookingRefused(_("Enter how many people come, as a whole number."), "people") from None
    ends_at = _check_rules(unit, facility, starts_at, people, now, override=bool(override_reason))
    method = PaymentMethod.HOUSEHOLD if price_of(facility, people) + facility.deposit > 0 else PaymentMethod.FREE
    return _book(
        staff, unit, facility, starts_at, ends_at, people, method, by_staff=True, override_reason=override_reason
    )


def _book(user, unit, facility, starts_at, ends_at, people, method, *, by_staff=False, override_reason=""):
    with transaction.atomic():
        Unit.objects.select_for_update().get(pk=unit.pk)  # one booking decision per household at a time
        if not override_reason:
            _check_weekly_limit(unit, facility, starts_at)
        slot = _slot_for_update(facility, starts_at, ends_at)
        places = facility.capacity if facility.exclusive else people
        if slot.taken + places > slot.capacity:
            if slot.free == 0:
                raise BookingRefused(
                    _("Sorry, this slot is fully booked: no place is left. You can join the waitlist."), "full"
                )
            raise BookingRefused(
                _("Sorry, only %(free)s places are left in this slot; you asked for %(people)s.")
                % {"free": slot.free, "people": people},
                "full",
            )
        return _place_booking(
            slot, facility, unit, user, people, method, by_staff=by_staff, override_reason=override_reason
        )


def confirm_paid(booking: Booking, by=None) -> Booking:
    """The booking's bill is paid in full: confirm it (idempotent)."""
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update().select_related("slot", "facility__community__office").get(pk=booking.pk)
        )
        if booking.status != Booking.Status.PENDING:
            return booking
        from commerce.payments.services import outstanding_by_bill

        if any(owed > 0 for owed in outstanding_by_bill(booking_bills(booking)).values()):
            return booking  # the fee or the deposit is still to pay
        booking.status = Booking.Status.CONFIRMED
        booking.save(update_fields=["status"])
        _record(booking, booking.status, by, _("Paid"))
        _notify_later(
            recipients(booking), "clubhouse.booking_confirmed", _booking_context(booking), booking_url(booking)
        )
    return booking


def refund_terms(booking: Booking, now=None) -> tuple[Decimal, bool]:
    """(what is kept if cancelled now, whether the free-cancellation deadline has passed)."""
    now = now or timezone.now()
    facility = booking.facility
    deadline = booking.slot.starts_at - datetime.timedelta(hours=facility.cancel_hours)
    late = now > deadline
    if not late or booking.status != Booking.Status.CONFIRMED or booking.amount == 0:
        return ZERO, late
    kept = round_money(booking.amount * (HUNDRED - facility.late_refund_percent) / HUNDRED)
    return kept, late


def cancel_deadline(booking: Booking) -> datetime.datetime:
    return booking.slot.starts_at - datetime.timedelta(hours=booking.facility.cancel_hours)


def cancel_booking(
    booking: Booking,
    by,
    *,
    reason: str = "",
    as_staff: bool = False,
    now=None,
    event: str = "clubhouse.booking_cancelled",
    context: dict | None = None,
) -> Booking:
    """Cancel under the facility's rules: the places go back (to the waitlist first) and the fee is refunded
    in full before the deadline, by the late-refund share after it (staff cancellations refund in full).
    A deposit is always returned in full."""
    from .deposits import return_on_cancel

    now = now or timezone.now()
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=booking.slot_id)
        booking = (
            Booking.objects.select_for_update().select_related("facility__community__office", "slot").get(pk=booking.pk)
        )
        if booking.status == Booking.Status.CANCELLED:
            return booking
        booking.check_transition(Booking.Status.CANCELLED)
        if not as_staff and slot.starts_at <= now:
            raise BookingRefused(_("This booking has started and can no longer be cancelled."), "started")
        kept, late = (ZERO, False) if as_staff else refund_terms(booking, now)
        slot.taken -= booking.places
        slot.save(update_fields=["taken"])
        booking.status = Booking.Status.CANCELLED
        booking.refunded = booking.amount - kept
        booking.save(update_fields=["status", "refunded"])
        note = reason or (_("Cancelled after the deadline") if late else _("Cancelled"))
        _record(booking, booking.status, by, note)
        if booking.bill_id:
            one_off.cancel_charge(booking.bill, reason=str(note), by=by, keep=kept)
        deposit = return_on_cancel(booking, by, str(note))
        refund = booking.refunded + (deposit.amount if deposit else ZERO)
        _notify_later(
            recipients(booking),
            event,
            {
                **_booking_context(booking),
                "refund": _money(refund, booking.facility.community.office),
                **(context or {}),
            },
            booking_url(booking),
        )
        promote_waitlist(slot, now=now)
    return booking


# --- waitlist -------------------------------------------------------------------------------


def join_waitlist(user, unit, facility: Facility, starts_at, people: int, method: str = "", now=None) -> WaitlistEntry:
    """Queue for a full slot; the first in line gets the places a cancellation frees."""
    from portal.access import resident_units

    now = now or timezone.now()
    if not resident_units(user).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("You can only book for your own household."))
    people = int(people)
    ends_at = _check_rules(unit, facility, starts_at, people, now)
    method = _payment_method(facility, price_of(facility, people) + facility.deposit, method)
    with transaction.atomic():
        Unit.objects.select_for_update().get(pk=unit.pk)
        _check_weekly_limit(unit, facility, starts_at)
        slot = _slot_for_update(facility, starts_at, ends_at)
        places = facility.capacity if facility.exclusive else people
        if slot.taken + places <= slot.capacity:
            raise BookingRefused(_("There is room in this slot: book it instead of waiting."), "not_full")
        if slot.bookings.filter(unit=unit, status__in=Booking.HOLDING).exists():
            raise BookingRefused(_("Your household already has a booking in this slot."), "duplicate")
        try:
            with transaction.atomic():
                return WaitlistEntry.objects.create(
                    slot=slot, unit=unit, user=user, people=people, payment_method=method
                )
        except IntegrityError:
            raise BookingRefused(_("Your household is already on the waitlist for this slot."), "duplicate") from None


def withdraw_waitlist(entry: WaitlistEntry, by=None) -> WaitlistEntry:
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status == WaitlistEntry.Status.WITHDRAWN:
            return entry
        entry.check_transition(WaitlistEntry.Status.WITHDRAWN)
        entry.status = WaitlistEntry.Status.WITHDRAWN
        entry.save(update_fields=["status"])
    return entry


def promote_waitlist(slot: Slot, now=None) -> list[Booking]:
    """Give freed places to the waitlist in order (call with the slot row locked). Stops at the first entry that
    does not fit, so nobody jumps the queue; an entry whose household can no longer book lapses."""
    now = now or timezone.now()
    facility = slot.facility
    made = []
    for entry in slot.waitlist.filter(status=WaitlistEntry.Status.WAITING).select_related(
        "unit__building__community", "user"
    ):
        if slot.starts_at <= now:
            entry.status, entry.note = WaitlistEntry.Status.LAPSED, _("The slot has started.")
            entry.save(update_fields=["status", "note"])
            continue
        places = facility.capacity if facility.exclusive else entry.people
        if slot.taken + places > slot.capacity:
            break
        try:
            _check_rules(entry.unit, facility, slot.starts_at, entry.people, now)
            _check_weekly_limit(entry.unit, facility, slot.starts_at)
        except BookingRefused as refused:
            entry.status, entry.note = WaitlistEntry.Status.LAPSED, refused.messages[0][:300]
            entry.save(update_fields=["status", "note"])
            continue
        booking = _place_booking(
            slot, facility, entry.unit, entry.user, entry.people, entry.payment_method, from_waitlist=True
        )
        entry.status, entry.booking = WaitlistEntry.Status.PROMOTED, booking
        entry.save(update_fields=["status", "booking"])
        _notify_later(
            [entry.user],
            "clubhouse.waitlist_promoted",
            {
                **_booking_context(booking),
                "pay": _("Please pay online to confirm it.") if booking.status == Booking.Status.PENDING else "",
            },
            booking_url(booking),
        )
        made.append(booking)
    return made


# --- reminders and unpaid bookings ----------------------------------------------------------


def send_reminders(now=None, within_hours: int = 24) -> int:
    """Remind households of confirmed bookings starting within ``within_hours`` (once per booking)."""
    now = now or timezone.now()
    due = Booking.objects.filter(
        status=Booking.Status.CONFIRMED,
        reminded_at__isnull=True,
        slot__starts_at__gt=now,
        slot__starts_at__lte=now + datetime.timedelta(hours=within_hours),
    ).select_related("slot", "facility__community__office", "booked_by")
    sent = 0
    for booking in due:
        with transaction.atomic():
            if Booking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(reminded_at=now):
                _notify_later(
                    recipients(booking), "clubhouse.booking_reminder", _booking_context(booking), booking_url(booking)
                )
                sent += 1
    return sent


def release_unpaid(now=None) -> int:
    """Cancel online bookings still unpaid after ``CLUBHOUSE_PAYMENT_MINUTES``; their places go to others."""
    now = now or timezone.now()
    minutes = getattr(settings, "CLUBHOUSE_PAYMENT_MINUTES", 30)
    stale = Booking.objects.filter(
        status=Booking.Status.PENDING, created_at__lt=now - datetime.timedelta(minutes=minutes)
    )
    count = 0
    for booking in stale:
        cancel_booking(booking, None, reason=_("Not paid in time"), as_staff=True, now=now)
        count += 1
    return count


# --- the desk -------------------------------------------------------------------------------


def _desk_change(booking: Booking, by, status: str, note: str = "") -> Booking:
    _require_desk(by, booking.facility.community.office)
    booking = (
        Booking.objects.select_for_update().select_related("slot", "facility__community__office").get(pk=booking.pk)
    )
    booking.check_transition(status)
    booking.status = status
    booking.save(update_fields=["status"])
    _record(booking, status, by, note)
    return booking


def check_in(booking: Booking, by, now=None) -> Booking:
    now = now or timezone.now()
    with transaction.atomic():
        start = timezone.localtime(booking.slot.starts_at)
        if start.date() != timezone.localdate(now):
            raise BookingRefused(
                _("Check-in is on the day of the booking (%(date)s).") % {"date": date_format(start.date())}, "day"
            )
        return _desk_change(booking, by, Booking.Status.CHECKED_IN)


def settings_for(office) -> ClubhouseSettings:
    return ClubhouseSettings.objects.filter(office=office).first() or ClubhouseSettings(office=office)


def mark_no_show(booking: Booking, by, now=None) -> Booking:
    """The household did not come. Repeated no-shows within the office's window suspend its bookings."""
    now = now or timezone.now()
    with transaction.atomic():
        if booking.slot.starts_at > now:
            raise BookingRefused(_("A booking can be marked as a no-show only once its slot has started."), "early")
        booking = _desk_change(booking, by, Booking.Status.NO_SHOW)
        office = booking.facility.community.office
        rules = settings_for(office)
        since = now - datetime.timedelta(days=rules.no_show_window_days)
        misses = Booking.objects.filter(
            unit=booking.unit,
            facility__community__office=office,
            status=Booking.Status.NO_SHOW,
            slot__starts_at__gte=since,
        ).count()
        if misses >= rules.no_show_limit and not active_suspension(booking.unit, office, timezone.localdate(now)):
            until = timezone.localdate(now) + datetime.timedelta(days=rules.suspension_days)
            reason = _("%(count)s no-shows in %(days)s days") % {"count": misses, "days": rules.no_show_window_days}
            Suspension.objects.create(office=office, unit=booking.unit, until=until, reason=reason)
            _notify_later(
                recipients(booking),
                "clubhouse.suspended",
                {"until": date_format(until), "reason": reason},
                reverse("clubhouse:home"),
            )
    return booking


def lift_suspension(suspension: Suspension, by) -> Suspension:
    if not may_act_in_office(by, MANAGE_ROLES, suspension.office):
        raise PermissionDenied(_("Only the office manager may lift a suspension."))
    Suspension.objects.filter(pk=suspension.pk).update(lifted=True)
    suspension.refresh_from_db()
    return suspension


def charge_extra(by, unit, description: str, amount, *, request_key: str, booking: Booking | None = None) -> Extra:
    """Settle something consumed (drinks, equipment rental) to the household account, once per request key."""
    office = unit.building.community.office
    _require_desk(by, office)
    description = (description or "").strip()
    if not description:
        raise ValidationError(_("Say what was consumed; the household sees it on the bill."), code="description")
    amount = parse_amount(amount) if isinstance(amount, str) else to_decimal(amount, negative_ok=False)
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."), code="amount")
    if booking is not None and booking.unit_id != unit.pk:
        raise ValidationError(_("The booking belongs to another household."), code="booking")
    existing = Extra.objects.filter(request_key=request_key).first()
    if existing:
        return existing
    with transaction.atomic():
        key = f"clubhouse:extra:{request_key}"
        bill = one_off.issue_charge(
            unit,
            charge_item(office),
            amount,
            key=key,
            source=key,
            note=_("Clubhouse: %(what)s") % {"what": description},
            by=by,
        )
        try:
            with transaction.atomic():
                return Extra.objects.create(
                    office=office,
                    unit=unit,
                    booking=booking,
                    description=description[:200],
                    amount=amount,
                    bill=bill,
                    request_key=request_key,
                    by=by,
                )
        except IntegrityError:
            return Extra.objects.get(request_key=request_key)


# --- training classes -----------------------------------------------------------------------


def classes_for(unit):
    return (
        TrainingClass.objects.filter(community=unit.building.community)
        .select_related("teacher", "community__office")
        .prefetch_related("sessions")
    )


def _record_enrolment(enrolment: Enrolment, by=None, note: str = "") -> None:
    EnrolmentEvent.objects.create(enrolment=enrolment, status=enrolment.status, by=by, note=note[:300])


def _check_enrolment(user, unit, training_class: TrainingClass, student: str, method: str) -> tuple[str, str]:
    """The checks before the class row is locked; returns the cleaned student name and payment method."""
    from portal.access import resident_units

    if not resident_units(user).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("You can only enrol for your own household."))
    student = (student or "").strip()
    if not student:
        raise BookingRefused(_("Say who will attend the class."), "student")
    if unit.building.community_id != training_class.community_id:
        raise BookingRefused(
            _("This class is for residents of %(community)s.") % {"community": training_class.community.name},
            "non_residents",
        )
    method = _payment_method(training_class, training_class.fee, method) if training_class.fee else PaymentMethod.FREE
    return student[:100], method


def _check_class_open(cls: TrainingClass, now) -> None:
    if not cls.open_for_enrolment:
        raise BookingRefused(_("Enrolment for %(title)s is closed.") % {"title": cls.title}, "closed")
    first = cls.sessions.order_by("starts_at").first()
    if first and first.starts_at <= now:
        raise BookingRefused(_("%(title)s has already begun.") % {"title": cls.title}, "started")


def enrol(user, unit, training_class: TrainingClass, student: str, method: str = "", now=None) -> Enrolment:
    now = now or timezone.now()
    student, method = _check_enrolment(user, unit, training_class, student, method)
    with transaction.atomic():
        cls = TrainingClass.objects.select_for_update().select_related("community__office").get(pk=training_class.pk)
        _check_class_open(cls, now)
        if cls.enrolled >= cls.capacity:
            raise BookingRefused(
                _("%(title)s is full. You can join the waitlist: a place that comes free goes to the first in line.")
                % {"title": cls.title},
                "full",
            )
        return _create_enrolment(cls, unit, user, student, method, now)


def _create_enrolment(cls: TrainingClass, unit, user, student: str, method: str, now, from_waitlist=False):
    """Enrol on a locked class with a free place: the row, the place, the fee's bill, the history, the notice."""
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                training_class=cls,
                unit=unit,
                user=user,
                student=student,
                payment_method=method,
                amount=cls.fee,
                from_waitlist=from_waitlist,
                status=Enrolment.Status.PENDING if method == PaymentMethod.ONLINE else Enrolment.Status.ENROLLED,
                enrolled_at=None if method == PaymentMethod.ONLINE else now,
            )
    except IntegrityError:
        raise BookingRefused(
            _("%(student)s is already enrolled in this class.") % {"student": student}, "duplicate"
        ) from None
    cls.enrolled += 1
    cls.save(update_fields=["enrolled"])
    if cls.fee > 0:
        key = f"clubhouse:enrolment:{enrolment.pk}"
        enrolment.bill = one_off.issue_charge(
            unit,
            charge_item(cls.community.office, "class"),
            cls.fee,
            key=key,
            source=key,
            note=_("Class %(title)s: %(student)s") % {"title": cls.title, "student": student},
            by=user,
        )
        enrolment.save(update_fields=["bill"])
    _record_enrolment(enrolment, user, _("From the waitlist") if from_waitlist else "")
    if enrolment.status == Enrolment.Status.ENROLLED:
        _notify_enrolled(enrolment)
    return enrolment


def join_class_waitlist(user, unit, training_class: TrainingClass, student: str, method: str = "", now=None):
    """Queue a student for a full class; a withdrawal enrols the first in line (who is told, and pays as chosen)."""
    now = now or timezone.now()
    student, method = _check_enrolment(user, unit, training_class, student, method)
    with transaction.atomic():
        cls = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        _check_class_open(cls, now)
        if cls.enrolled < cls.capacity:
            raise BookingRefused(_("There is a free place in this class: enrol instead of waiting."), "not_full")
        if cls.enrolments.filter(unit=unit, student=student).exclude(status=Enrolment.Status.CANCELLED).exists():
            raise BookingRefused(
                _("%(student)s is already enrolled in this class.") % {"student": student}, "duplicate"
            )
        try:
            with transaction.atomic():
                return ClassWaitlistEntry.objects.create(
                    training_class=cls, unit=unit, user=user, student=student, payment_method=method
                )
        except IntegrityError:
            raise BookingRefused(
                _("%(student)s is already on the waitlist of this class.") % {"student": student}, "duplicate"
            ) from None


def withdraw_class_waitlist(entry: ClassWaitlistEntry, by=None) -> ClassWaitlistEntry:
    with transaction.atomic():
        entry = ClassWaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status == ClassWaitlistEntry.Status.WITHDRAWN:
            return entry
        entry.check_transition(ClassWaitlistEntry.Status.WITHDRAWN)
        entry.status = ClassWaitlistEntry.Status.WITHDRAWN
        entry.save(update_fields=["status"])
    return entry


def promote_class_waitlist(cls: TrainingClass, now=None) -> list[Enrolment]:
    """Give free places of a locked class to its waitlist in order; entries that can no longer enrol lapse."""
    now = now or timezone.now()
    made = []
    waiting = cls.waitlist.filter(status=ClassWaitlistEntry.Status.WAITING).select_related("user", "unit")
    for entry in waiting:
        if cls.enrolled >= cls.capacity:
            break
        last = cls.sessions.order_by("-ends_at").first()
        if not cls.open_for_enrolment or (last and last.ends_at <= now):
            entry.status, entry.note = ClassWaitlistEntry.Status.LAPSED, _("Enrolment is closed.")
            entry.save(update_fields=["status", "note"])
            continue
        try:
            with transaction.atomic():
                enrolment = _create_enrolment(
                    cls, entry.unit, entry.user, entry.student, entry.payment_method, now, from_waitlist=True
                )
        except BookingRefused as refused:
            entry.status, entry.note = ClassWaitlistEntry.Status.LAPSED, refused.messages[0][:300]
            entry.save(update_fields=["status", "note"])
            continue
        entry.status, entry.enrolment = ClassWaitlistEntry.Status.PROMOTED, enrolment
        entry.save(update_fields=["status", "enrolment"])
        _notify_later(
            [entry.user],
            "clubhouse.class_waitlist_promoted",
            {
                "title": cls.title,
                "student": entry.student,
                "pay": _("Please pay online to confirm the place.")
                if enrolment.status == Enrolment.Status.PENDING
                else "",
            },
            reverse("clubhouse:class", args=[cls.pk]),
        )
        made.append(enrolment)
    return made


def _notify_enrolled(enrolment: Enrolment) -> None:
    _notify_later(
        [enrolment.user],
        "clubhouse.enrolled",
        {"title": enrolment.training_class.title, "student": enrolment.student},
        reverse("clubhouse:class", args=[enrolment.training_class_id]),
    )


def confirm_enrolment_paid(enrolment: Enrolment, now=None) -> Enrolment:
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().select_related("training_class").get(pk=enrolment.pk)
        if enrolment.status != Enrolment.Status.PENDING:
            return enrolment
        enrolment.status, enrolment.enrolled_at = Enrolment.Status.ENROLLED, now or timezone.now()
        enrolment.save(update_fields=["status", "enrolled_at"])
        _record_enrolment(enrolment, None, _("Paid"))
        _notify_enrolled(enrolment)
    return enrolment


def cancel_enrolment(enrolment: Enrolment, by, *, as_staff: bool = False, now=None) -> Enrolment:
    """Residents may cancel until the first session, with a full refund; staff at any time."""
    now = now or timezone.now()
    with transaction.atomic():
        cls = TrainingClass.objects.select_for_update().get(pk=enrolment.training_class_id)
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.status == Enrolment.Status.CANCELLED:
            return enrolment
        first = cls.sessions.order_by("starts_at").first()
        if not as_staff and first and first.starts_at <= now:
            raise BookingRefused(_("The class has begun: ask the clubhouse desk to cancel."), "started")
        enrolment.check_transition(Enrolment.Status.CANCELLED)
        enrolment.status = Enrolment.Status.CANCELLED
        enrolment.save(update_fields=["status"])
        cls.enrolled -= 1
        cls.save(update_fields=["enrolled"])
        _record_enrolment(enrolment, by)
        if enrolment.bill_id:
            one_off.cancel_charge(enrolment.bill, reason=_("Enrolment cancelled"), by=by)
        promote_class_waitlist(cls, now=now)
    return enrolment


def mark_attendance(session: ClassSession, present_ids, by) -> int:
    """Record who came to a session (every active enrolment gets a row: present or not)."""
    _require_desk(by, session.training_class.community.office)
    present_ids = {int(i) for i in present_ids}
    count = 0
    with transaction.atomic():
        for enrolment in session.training_class.enrolments.filter(status=Enrolment.Status.ENROLLED):
            Attendance.objects.update_or_create(
                session=session, enrolment=enrolment, defaults={"present": enrolment.pk in present_ids, "marked_by": by}
            )
            count += enrolment.pk in present_ids
    return count


@dataclass
class PayoutLine:
    teacher: object
    training_class: TrainingClass
    enrolments: int
    gross: Decimal
    teacher_share: Decimal
    company_share: Decimal


def payout_report(user, start: datetime.date, end: datetime.date) -> tuple[list[PayoutLine], dict]:
    """Fees of enrolments made in [start, end] per class and teacher, split at each class's percentage.

    The teacher's share of a class is rounded once (``round_money``); the company keeps the rest, so the
    two always add up to the fees.
    """
    enrolments = scope(
        user,
        Enrolment.objects.filter(
            status=Enrolment.Status.ENROLLED,
            enrolled_at__gte=_aware(start, datetime.time.min),
            enrolled_at__lt=_aware(end + datetime.timedelta(days=1), datetime.time.min),
        ),
        "training_class__community__office",
        MANAGE_ROLES,
    )
    rows = (
        enrolments.values("training_class")
        .annotate(n=Count("pk"), gross=Sum("amount"))
        .order_by("training_class__teacher__name", "training_class__title")
    )
    classes = TrainingClass.objects.in_bulk([r["training_class"] for r in rows])
    lines, totals = [], {"gross": ZERO, "teacher": ZERO, "company": ZERO, "by_teacher": {}}
    for row in rows:
        cls = classes[row["training_class"]]
        gross = row["gross"] or ZERO
        teacher_share = round_money(gross * cls.teacher_percent / HUNDRED)
        line = PayoutLine(cls.teacher, cls, row["n"], gross, teacher_share, gross - teacher_share)
        lines.append(line)
        totals["gross"] += gross
        totals["teacher"] += teacher_share
        totals["company"] += line.company_share
        per = totals["by_teacher"].setdefault(cls.teacher, ZERO)
        totals["by_teacher"][cls.teacher] = per + teacher_share
    return lines, totals


# --- utilisation ----------------------------------------------------------------------------


@dataclass
class UtilisationRow:
    facility: Facility
    hours: dict  # hour → (places offered, places taken)

    @property
    def offered(self) -> int:
        return sum(o for o, _t in self.hours.values())

    @property
    def taken(self) -> int:
        return sum(t for _o, t in self.hours.values())

    @property
    def percent(self) -> int:
        return round(100 * self.taken / self.offered) if self.offered else 0


def utilisation(user, start: datetime.date, end: datetime.date) -> list[UtilisationRow]:
    """Occupancy per facility and hour of day over [start, end]: places booked / places offered."""
    facilities = (
        scope(user, Facility.objects.all(), "community__office").select_related("community").prefetch_related("hours")
    )
    first, last = _aware(start, datetime.time.min), _aware(end + datetime.timedelta(days=1), datetime.time.min)
    taken = {}
    for row in Booking.objects.filter(
        facility__in=facilities,
        status__in=(Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN, Booking.Status.NO_SHOW),
        slot__starts_at__gte=first,
        slot__starts_at__lt=last,
    ).values("facility_id", "slot__starts_at", "places"):
        hour = timezone.localtime(row["slot__starts_at"]).hour
        key = (row["facility_id"], hour)
        taken[key] = taken.get(key, 0) + row["places"]
    rows = []
    days = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    for facility in facilities:
        hours = {}
        hours_list = list(facility.hours.all())
        for day in days:
            for slot_start, _end in slot_times(facility, day, hours_list):
                hour = timezone.localtime(slot_start).hour
                offered, _t = hours.get(hour, (0, 0))
                hours[hour] = (offered + facility.capacity, 0)
        hours = {h: (o, taken.get((facility.pk, h), 0)) for h, (o, _t) in sorted(hours.items())}
        rows.append(UtilisationRow(facility, hours))
    return rows


def handle_bill_paid(bill) -> None:
    """Payments tell us a clubhouse bill is paid in full: confirm its booking or enrolment."""
    parts = bill.source.split(":")
    if len(parts) != 3 or not parts[2].isdigit():
        return
    kind, pk = parts[1], int(parts[2])
    if kind == "deposit":
        booking = Booking.objects.filter(pk=pk, deposit__bill=bill).first()
        if booking:
            confirm_paid(booking)
    elif kind == "booking":
        booking = Booking.objects.filter(pk=pk, bill=bill).first()
        if booking:
            confirm_paid(booking)
    elif kind == "enrolment":
        enrolment = Enrolment.objects.filter(pk=pk, bill=bill).first()
        if enrolment:
            confirm_enrolment_paid(enrolment)

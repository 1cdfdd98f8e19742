"""Closures (holidays, maintenance): announcing one cancels the bookings it covers and drops their waitlists.

Each booking in the closure is cancelled as a staff cancellation (the fee and the deposit refunded in full)
and its household told why; each waiting household is taken off the waitlist with a notice. Applying a
closure again (after an edit) touches only what is still active, so it is safe to repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import may_act_in_office

from . import services
from .models import Booking, Closure, Slot, WaitlistEntry


@dataclass
class ClosureOutcome:
    cancelled: list = field(default_factory=list)
    dropped: list = field(default_factory=list)


def _period(closure: Closure) -> str:
    start, end = timezone.localtime(closure.starts_at), timezone.localtime(closure.ends_at)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def apply_closure(closure: Closure, by, now=None) -> ClosureOutcome:
    """Cancel (with full refunds) the bookings of slots in ``closure`` that have not started, and drop their
    waitlists; every household concerned is notified."""
    now = now or timezone.now()
    outcome = ClosureOutcome()
    facility = closure.facility
    context = {"reason": closure.reason, "period": _period(closure)}
    note = _("Closed: %(reason)s") % {"reason": closure.reason}
    with transaction.atomic():
        slots = Slot.objects.select_for_update().filter(
            facility=facility, starts_at__lt=closure.ends_at, ends_at__gt=closure.starts_at, starts_at__gt=now
        )
        for slot in slots.order_by("starts_at"):
            # The waitlist first, so that the cancellations below promote nobody into the closure.
            for entry in slot.waitlist.filter(status=WaitlistEntry.Status.WAITING).select_related("user"):
                entry.status, entry.note = WaitlistEntry.Status.LAPSED, note[:300]
                entry.save(update_fields=["status", "note"])
                outcome.dropped.append(entry)
                services._notify_later(
                    [entry.user],
                    "clubhouse.waitlist_closed",
                    {
                        "facility": facility.name,
                        "when": timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M"),
                        **context,
                    },
                    services.facility_url(facility),
                )
            for booking in slot.bookings.filter(status__in=(Booking.Status.PENDING, Booking.Status.CONFIRMED)):
                outcome.cancelled.append(
                    services.cancel_booking(
                        booking,
                        by,
                        reason=note,
                        as_staff=True,
                        now=now,
                        event="clubhouse.closure_cancelled",
                        context=context,
                    )
                )
    return outcome


def announce_closure(by, facility, starts_at, ends_at, reason: str, now=None) -> tuple[Closure, ClosureOutcome]:
    """Create a closure and apply it (the service behind the back-office form, and for scripts)."""
    if not may_act_in_office(by, services.MANAGE_ROLES, facility.community.office):
        raise PermissionDenied(_("Only the office manager may close a facility."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the facility is closed; residents see it."), code="reason")
    if ends_at <= starts_at:
        raise ValidationError(_("A closure must end after it starts."), code="order")
    with transaction.atomic():
        closure = Closure.objects.create(facility=facility, starts_at=starts_at, ends_at=ends_at, reason=reason[:200])
        return closure, apply_closure(closure, by, now)

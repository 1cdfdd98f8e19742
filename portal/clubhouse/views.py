"""Resident pages of the clubhouse: facilities, the week calendar, booking, my bookings, classes."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from commerce.money import format_money
from commerce.payments import services as payments
from commerce.payments.gateways import GatewayUnavailable, get_gateway
from portal.access import resident_units

from . import services
from .models import (
    Booking,
    BookingDeposit,
    ClassWaitlistEntry,
    Closure,
    Enrolment,
    Facility,
    PaymentMethod,
    TrainingClass,
    WaitlistEntry,
)


def _error(request, exc) -> None:
    messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))


def _units(user):
    return resident_units(user).select_related("building__community__office__region__company").order_by("pk")


def _facility_or_404(user, pk) -> tuple[Facility, list]:
    """The facility and the user's households that may book it; anything else is a 404."""
    try:
        facility = Facility.objects.select_related("community__office__region__company").get(pk=pk, active=True)
    except (Facility.DoesNotExist, ValueError):
        raise Http404 from None
    units = [u for u in _units(user) if services.facilities_for(u).filter(pk=facility.pk).exists()]
    if not units:
        raise Http404
    return facility, units


def _pay_online(request, unit, bills):
    """Start the online payment of these bills exactly as "Pay bills" does, and send the resident to the gateway."""
    gateway = get_gateway()
    bills = bills if isinstance(bills, list) else [bills]
    owed = payments.outstanding_by_bill(bills)
    payment = payments.pay_online(request.user, unit, [b for b in bills if owed[b.pk] > 0], gateway=gateway.name)
    return redirect(gateway.start(payment, reverse("payment_result", args=[payment.pk])))


def _money(amount, facility_or_office):
    office = getattr(facility_or_office, "community", None)
    office = office.office if office else facility_or_office
    return format_money(amount, office.region.company.currency)


@login_required
def home(request):
    units = list(_units(request.user))
    facilities = {}
    for unit in units:
        for facility in services.facilities_for(unit):
            facilities.setdefault(facility.pk, facility)
    for facility in facilities.values():
        facility.price_display = _money(facility.price, facility)
    now = timezone.now()
    bookings = (
        Booking.objects.filter(unit__in=units, slot__ends_at__gt=now, status__in=Booking.HOLDING)
        .select_related("slot", "facility")
        .order_by("slot__starts_at")
    )
    waiting = WaitlistEntry.objects.filter(
        unit__in=units, status=WaitlistEntry.Status.WAITING, slot__starts_at__gt=now
    ).select_related("slot__facility")
    suspensions = [s for u in units if (s := services.active_suspension(u, u.building.community.office))]
    closures = (
        Closure.objects.filter(facility__in=list(facilities.values()), ends_at__gt=now)
        .select_related("facility")
        .order_by("starts_at")[:10]
    )
    return render(
        request,
        "clubhouse/home.html",
        {
            "units": units,
            "facilities": sorted(facilities.values(), key=lambda f: (f.community.name, f.name)),
            "bookings": bookings,
            "waiting": waiting,
            "suspensions": suspensions,
            "closures": closures,
            "has_classes": any(services.classes_for(u).exists() for u in units),
        },
    )


def _week(request) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    return services.week_start(day)


@login_required
def facility(request, pk):
    facility, units = _facility_or_404(request.user, pk)
    monday = _week(request)
    this_monday = services.week_start(timezone.localdate())
    return render(
        request,
        "clubhouse/facility.html",
        {
            "facility": facility,
            "days": services.week_calendar(facility, monday),
            "monday": monday,
            "previous": monday - datetime.timedelta(days=7) if monday > this_monday else None,
            "next": monday + datetime.timedelta(days=7),
            "closures": services.upcoming_closures(facility)[:5],
            "hours": facility.hours.all(),
            "price": _money(facility.price, facility),
            "deposit": _money(facility.deposit, facility) if facility.deposit else "",
        },
    )


def _parse_start(value: str):
    try:
        return timezone.make_aware(datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M"))
    except (TypeError, ValueError):
        raise Http404 from None


@login_required
def book(request, pk):
    facility, units = _facility_or_404(request.user, pk)
    starts_at = _parse_start(request.POST.get("at") or request.GET.get("at"))
    local = timezone.localtime(starts_at)
    slot = facility.slots.filter(starts_at=starts_at).first()
    free = slot.free if slot else facility.capacity
    context = {
        "facility": facility,
        "units": units,
        "at": local.strftime("%Y-%m-%dT%H:%M"),
        "local": local,
        "ends": local + datetime.timedelta(minutes=facility.slot_minutes),
        "free": free,
        "full": free == 0 or (facility.exclusive and free < facility.capacity),
        "price": _money(facility.price, facility),
        "deposit": _money(facility.deposit, facility) if facility.deposit else "",
        "people": request.POST.get("people", "1"),
        "methods": [PaymentMethod.ONLINE, PaymentMethod.HOUSEHOLD],
        "method": request.POST.get("method", PaymentMethod.ONLINE),
        "week": services.week_start(local.date()).isoformat(),
    }
    if request.method == "POST":
        try:
            unit = next(u for u in units if str(u.pk) == request.POST.get("unit", str(units[0].pk)))
        except StopIteration:
            raise Http404 from None
        try:
            people = int(request.POST.get("people", ""))
        except ValueError:
            messages.error(request, _("Enter how many people come, as a whole number."))
            return render(request, "clubhouse/book.html", context)
        method = request.POST.get("method", "")
        try:
            if request.POST.get("action") == "waitlist":
                services.join_waitlist(request.user, unit, facility, starts_at, people, method)
                messages.success(request, _("You are on the waitlist. We will tell you if a place comes free."))
                return redirect("clubhouse:home")
            booking = services.book(request.user, unit, facility, starts_at, people, method)
        except services.BookingRefused as exc:
            _error(request, exc)
            context["full"] = context["full"] or exc.code == "full"
            return render(request, "clubhouse/book.html", context)
        except (ValidationError, PermissionDenied) as exc:
            _error(request, exc)
            return render(request, "clubhouse/book.html", context)
        if booking.status == Booking.Status.PENDING and services.booking_bills(booking):
            try:
                return _pay_online(request, unit, services.booking_bills(booking))
            except (ValidationError, PermissionDenied, GatewayUnavailable) as exc:
                _error(request, exc)
                return redirect("clubhouse:booking", pk=booking.pk)
        messages.success(request, _("Booked: %(ref)s is confirmed.") % {"ref": booking.reference})
        return redirect("clubhouse:booking", pk=booking.pk)
    return render(request, "clubhouse/book.html", context)


def _own_booking(user, pk) -> Booking:
    try:
        return Booking.objects.select_related(
            "slot", "facility__community__office__region__company", "unit__building"
        ).get(pk=pk, unit__in=resident_units(user))
    except (Booking.DoesNotExist, ValueError):
        raise Http404 from None


@login_required
def booking(request, pk):
    booking = _own_booking(request.user, pk)
    kept, late = services.refund_terms(booking)
    deposit = BookingDeposit.objects.filter(booking=booking).first()
    return render(
        request,
        "clubhouse/booking.html",
        {
            "booking": booking,
            "amount": _money(booking.amount, booking.facility),
            "refunded": _money(booking.refunded, booking.facility),
            "refund_if_cancelled": _money(booking.amount - kept, booking.facility),
            "late": late,
            "deadline": timezone.localtime(services.cancel_deadline(booking)),
            "may_cancel": booking.is_active and booking.slot.starts_at > timezone.now(),
            "events": booking.events.all(),
            "extras": booking.extras.all(),
            "deposit": deposit,
            "deposit_amount": _money(deposit.amount, booking.facility) if deposit else "",
            "deposit_returned": _money(deposit.returned, booking.facility) if deposit else "",
            "deposit_kept": _money(deposit.kept, booking.facility) if deposit else "",
        },
    )


@login_required
@require_POST
def cancel(request, pk):
    booking = _own_booking(request.user, pk)
    try:
        booking = services.cancel_booking(booking, request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(
            request,
            _("Booking %(ref)s is cancelled; %(amount)s refunded or credited.")
            % {"ref": booking.reference, "amount": _money(booking.refunded, booking.facility)},
        )
    return redirect("clubhouse:booking", pk=booking.pk)


@login_required
@require_POST
def pay(request, pk):
    booking = _own_booking(request.user, pk)
    if booking.status != Booking.Status.PENDING or not services.booking_bills(booking):
        return redirect("clubhouse:booking", pk=booking.pk)
    try:
        return _pay_online(request, booking.unit, services.booking_bills(booking))
    except (ValidationError, PermissionDenied, GatewayUnavailable) as exc:
        _error(request, exc)
        return redirect("clubhouse:booking", pk=booking.pk)


@login_required
@require_POST
def withdraw(request, pk):
    try:
        entry = WaitlistEntry.objects.get(pk=pk, unit__in=resident_units(request.user))
    except (WaitlistEntry.DoesNotExist, ValueError):
        raise Http404 from None
    try:
        services.withdraw_waitlist(entry, request.user)
        messages.success(request, _("You left the waitlist."))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("clubhouse:home")


# --- classes --------------------------------------------------------------------------------


@login_required
def classes(request):
    units = list(_units(request.user))
    found = {}
    for unit in units:
        for cls in services.classes_for(unit):
            cls.fee_display = _money(cls.fee, cls.community.office)
            found.setdefault(cls.pk, cls)
    mine = (
        Enrolment.objects.filter(unit__in=units)
        .exclude(status=Enrolment.Status.CANCELLED)
        .select_related("training_class")
    )
    return render(request, "clubhouse/classes.html", {"classes": found.values(), "enrolments": mine})


def _class_or_404(user, pk):
    units = [u for u in _units(user)]
    try:
        cls = TrainingClass.objects.select_related("teacher", "community__office__region__company").get(
            pk=pk, community__in=[u.building.community_id for u in units]
        )
    except (TrainingClass.DoesNotExist, ValueError):
        raise Http404 from None
    return cls, [u for u in units if u.building.community_id == cls.community_id]


@login_required
def training_class(request, pk):
    cls, units = _class_or_404(request.user, pk)
    if request.method == "POST":
        unit = next((u for u in units if str(u.pk) == request.POST.get("unit", str(units[0].pk))), None)
        if unit is None:
            raise Http404
        if request.POST.get("action") == "waitlist":
            try:
                entry = services.join_class_waitlist(
                    request.user, unit, cls, request.POST.get("student", ""), request.POST.get("method", "")
                )
            except (ValidationError, PermissionDenied) as exc:
                _error(request, exc)
            else:
                messages.success(
                    request,
                    _("%(student)s is on the waitlist. We will tell you if a place comes free.")
                    % {"student": entry.student},
                )
            return redirect("clubhouse:class", pk=cls.pk)
        try:
            enrolment = services.enrol(
                request.user, unit, cls, request.POST.get("student", ""), request.POST.get("method", "")
            )
        except (ValidationError, PermissionDenied) as exc:
            _error(request, exc)
        else:
            if enrolment.status == Enrolment.Status.PENDING and enrolment.bill_id:
                try:
                    return _pay_online(request, unit, enrolment.bill)
                except (ValidationError, PermissionDenied, GatewayUnavailable) as exc:
                    _error(request, exc)
            else:
                messages.success(request, _("%(student)s is enrolled.") % {"student": enrolment.student})
            return redirect("clubhouse:class", pk=cls.pk)
    return render(
        request,
        "clubhouse/class.html",
        {
            "cls": cls,
            "units": units,
            "fee": _money(cls.fee, cls.community.office),
            "sessions": cls.sessions.all(),
            "enrolments": cls.enrolments.filter(unit__in=units).exclude(status=Enrolment.Status.CANCELLED),
            "waiting": cls.waitlist.filter(unit__in=units, status=ClassWaitlistEntry.Status.WAITING),
            "started": cls.sessions.filter(starts_at__lte=timezone.now()).exists(),
            "methods": [PaymentMethod.ONLINE, PaymentMethod.HOUSEHOLD],
        },
    )


@login_required
@require_POST
def cancel_enrolment(request, pk):
    try:
        enrolment = Enrolment.objects.get(pk=pk, unit__in=resident_units(request.user))
    except (Enrolment.DoesNotExist, ValueError):
        raise Http404 from None
    try:
        services.cancel_enrolment(enrolment, request.user)
        messages.success(request, _("The enrolment is cancelled and the fee refunded or credited."))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("clubhouse:class", pk=enrolment.training_class_id)


@login_required
@require_POST
def withdraw_class_waitlist(request, pk):
    try:
        entry = ClassWaitlistEntry.objects.get(pk=pk, unit__in=resident_units(request.user))
    except (ClassWaitlistEntry.DoesNotExist, ValueError):
        raise Http404 from None
    try:
        services.withdraw_class_waitlist(entry, request.user)
        messages.success(request, _("You left the waitlist."))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("clubhouse:class", pk=entry.training_class_id)

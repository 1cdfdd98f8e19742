"""Facility deposits: billed with the booking, held on the office's "deposits held" account, returned or kept.

Ledger (debit positive, credit negative), on the same accounts as ``commerce.deposits``:
- collected: household +amount, deposits held −amount       (the deposit bill, ``charge:clubhouse:deposit:<id>``)
- returned:  the bill is cancelled (red-letter reversal); whatever was paid toward it is refunded
- kept:      deposits held +part, income "deposit-forfeit" −part; the rest of the bill is credited back and
             refunded if it was paid (``one_off.cancel_charge`` with ``keep=part``)
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.billing import one_off
from commerce.deposits.services import FORFEIT_CHARGE_CODE, may_forfeit
from commerce.ledger import services as ledger
from commerce.ledger.models import AccountKind
from commerce.money import format_money, parse_amount, to_decimal

from .models import Booking, BookingDeposit

SETTLE_FROM = (Booking.Status.CONFIRMED, Booking.Status.CHECKED_IN, Booking.Status.NO_SHOW)


def _held_account(office):
    return ledger.system_account(office.region.company, AccountKind.DEPOSITS_HELD, office=office)


def collect_deposit(booking: Booking, by) -> BookingDeposit | None:
    """Bill the facility's deposit with a new booking (same payment as the fee); nothing for a facility without one."""
    from .services import DEPOSIT_CODE, charge_item

    facility = booking.facility
    if not facility.deposit:
        return None
    office = facility.community.office
    key = f"clubhouse:deposit:{booking.pk}"
    bill = one_off.issue_charge(
        booking.unit,
        charge_item(office, DEPOSIT_CODE),
        facility.deposit,
        key=key,
        source=key,
        note=_("Deposit for %(facility)s, %(when)s (returned after use)")
        % {"facility": facility, "when": timezone.localtime(booking.slot.starts_at).strftime("%Y-%m-%d %H:%M")},
        by=by,
        credit=_held_account(office),
    )
    return BookingDeposit.objects.create(booking=booking, amount=facility.deposit, bill=bill)


def _locked(deposit: BookingDeposit) -> BookingDeposit:
    return (
        BookingDeposit.objects.select_for_update()
        .select_related("booking__slot", "booking__facility__community__office__region__company", "bill")
        .get(pk=deposit.pk)
    )


def _notify(deposit: BookingDeposit) -> None:
    from .services import _booking_context, _money, _notify_later, booking_url, recipients

    booking = deposit.booking
    office = booking.facility.community.office
    _notify_later(
        recipients(booking),
        "clubhouse.deposit_settled",
        {
            **_booking_context(booking),
            "deposit": _money(deposit.amount, office),
            "returned": _money(deposit.returned, office),
            "kept": _money(deposit.kept, office),
            "reason": deposit.reason or "—",
        },
        booking_url(booking),
    )


def return_on_cancel(booking: Booking, by, reason: str) -> BookingDeposit | None:
    """A cancelled booking gets its whole deposit back (call inside the cancelling transaction)."""
    deposit = BookingDeposit.objects.filter(booking=booking).first()
    if deposit is None or deposit.status != BookingDeposit.Status.HELD:
        return None
    deposit = _locked(deposit)
    one_off.cancel_charge(deposit.bill, reason=reason or _("Booking cancelled"), by=by)
    deposit.status, deposit.settled_by, deposit.settled_at = BookingDeposit.Status.RETURNED, by, timezone.now()
    deposit.reason = (reason or "")[:300]
    deposit.save(update_fields=["status", "settled_by", "settled_at", "reason"])
    return deposit


def _check_settleable(deposit: BookingDeposit, status: str, now) -> None:
    booking = deposit.booking
    deposit.check_transition(status)
    if booking.status not in SETTLE_FROM:
        raise ValidationError(
            _("The booking is “%(status)s”: its deposit is settled with it.")
            % {"status": booking.get_status_display()},
            code="booking",
        )
    if booking.slot.starts_at > now:
        raise ValidationError(_("A deposit is settled once the booking has started."), code="early")


def return_deposit(deposit: BookingDeposit, by, now=None) -> BookingDeposit:
    """After use: give the whole deposit back (refunded if paid, the bill cancelled if not)."""
    from .services import _require_desk

    now = now or timezone.now()
    with transaction.atomic():
        deposit = _locked(deposit)
        _require_desk(by, deposit.booking.facility.community.office)
        if deposit.status == BookingDeposit.Status.RETURNED:
            return deposit
        _check_settleable(deposit, BookingDeposit.Status.RETURNED, now)
        one_off.cancel_charge(deposit.bill, reason=_("Deposit returned after use"), by=by)
        deposit.status, deposit.settled_by, deposit.settled_at = BookingDeposit.Status.RETURNED, by, now
        deposit.save(update_fields=["status", "settled_by", "settled_at"])
        _notify(deposit)
    return deposit


def keep_deposit(deposit: BookingDeposit, by, *, amount=None, reason: str, now=None) -> BookingDeposit:
    """Keep all of the deposit (``amount`` None or empty) or part of it for damage, with a reason; the rest is
    returned. Like ``commerce.deposits``, only an office manager may keep a deposit."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        deposit = _locked(deposit)
        office = deposit.booking.facility.community.office
        if not may_forfeit(by, office):
            raise PermissionDenied(_("Only an office manager can keep a deposit."))
        if not reason:
            raise ValidationError(_("Give the reason for keeping the deposit (e.g. the damage)."), code="reason")
        if amount in (None, ""):
            part = deposit.amount
        else:
            part = parse_amount(amount) if isinstance(amount, str) else to_decimal(amount, negative_ok=False)
        currency = office.region.company.currency
        if part <= 0:
            raise ValidationError(_("The amount kept must be more than zero."), code="zero")
        if part > deposit.amount:
            raise ValidationError(
                _("%(amount)s is more than the deposit of %(held)s.")
                % {"amount": format_money(part, currency), "held": format_money(deposit.amount, currency)},
                code="over",
            )
        status = BookingDeposit.Status.KEPT if part == deposit.amount else BookingDeposit.Status.PARTLY_KEPT
        _check_settleable(deposit, status, now)
        if part < deposit.amount:
            one_off.cancel_charge(
                deposit.bill, reason=_("Deposit partly returned: %(reason)s") % {"reason": reason}, by=by, keep=part
            )
        company = office.region.company
        income = ledger.system_account(company, AccountKind.INCOME, charge_code=FORFEIT_CHARGE_CODE, office=office)
        deposit.forfeit_posting = ledger.post(
            key=f"clubhouse:deposit:{deposit.booking_id}:kept",
            company=company,
            office=office,
            lines=[(_held_account(office), part), (income, -part)],
            memo=_("Deposit of %(ref)s kept") % {"ref": deposit.booking.reference},
            by=by,
            kind="deposit_forfeit",
            reason=reason,
        )
        deposit.status, deposit.kept, deposit.reason = status, part, reason[:300]
        deposit.settled_by, deposit.settled_at = by, now
        deposit.save(update_fields=["status", "kept", "reason", "settled_by", "settled_at", "forfeit_posting"])
        _notify(deposit)
    return deposit

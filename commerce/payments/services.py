"""Paying bills: online payments through a gateway, desk payments, receipts and what bills still owe.

Every success goes through ``mark_succeeded``: one transaction that locks the payment and its bills,
posts to the ledger under the key ``payment:<id>`` (so it posts once however often it is called),
allocates the money to the bills oldest first, and gives out the receipt number.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.adjustments.totals import adjustments_by_bill
from commerce.billing.models import Bill
from commerce.ledger import services as ledger
from commerce.ledger.models import AccountKind
from commerce.money import format_money, parse_amount, to_decimal
from portal.access import may_act_in_office, resident_units
from portal.people.models import StaffRole

from . import hooks
from .models import Payment, PaymentAllocation, ReceiptCounter

ZERO = Decimal("0.00")
DESK_ROLES = (StaffRole.FRONT_DESK, StaffRole.BILLING_CLERK, StaffRole.OFFICE_MANAGER)
ALL_DUE = "all due"


# What bills owe -----------------------------------------------------------------------------------


def paid_by_bill(bills: Iterable[Bill]) -> dict[int, Decimal]:
    """What succeeded payments settled on each bill, less what succeeded refunds took back from it."""
    from .models import Refund, RefundAllocation

    ids = [bill.pk for bill in bills]
    totals = (
        PaymentAllocation.objects.filter(bill_id__in=ids, payment__status=Payment.Status.SUCCEEDED)
        .values("bill_id")
        .annotate(cents=ledger.sum_in_cents())
    )
    refunded = (
        RefundAllocation.objects.filter(bill_id__in=ids, refund__status=Refund.Status.SUCCEEDED)
        .values("bill_id")
        .annotate(cents=ledger.sum_in_cents())
    )
    paid = dict.fromkeys(ids, ZERO)
    paid.update({row["bill_id"]: ledger.from_cents(row["cents"]) for row in totals})
    for row in refunded:
        paid[row["bill_id"]] -= ledger.from_cents(row["cents"])
    return paid


def paid(bill: Bill) -> Decimal:
    return paid_by_bill([bill])[bill.pk]


def outstanding(bill: Bill, already_paid: Decimal | None = None, adjusted: Decimal | None = None) -> Decimal:
    """What is left to pay on the bill: its total plus its late fees, waivers and discounts, minus what was paid.

    Nothing on a voided bill.
    """
    if bill.status != Bill.Status.ISSUED:
        return ZERO
    if already_paid is None:
        already_paid = paid(bill)
    if adjusted is None:
        adjusted = adjustments_by_bill([bill])[bill.pk]
    return max(ZERO, bill.total + adjusted - already_paid)


def outstanding_by_bill(bills: Iterable[Bill]) -> dict[int, Decimal]:
    bills = list(bills)
    paid_map = paid_by_bill(bills)
    adjusted = adjustments_by_bill(bills)
    return {bill.pk: outstanding(bill, paid_map[bill.pk], adjusted[bill.pk]) for bill in bills}


def due_bills(unit) -> list[Bill]:
    """The unit's household bills with something left to pay, oldest first."""
    bills = list(
        Bill.objects.filter(unit=unit, status=Bill.Status.ISSUED, payer=Bill.Payer.HOUSEHOLD).order_by(
            "period_start", "pk"
        )
    )
    owed = outstanding_by_bill(bills)
    for bill in bills:
        bill.outstanding = owed[bill.pk]
    return [bill for bill in bills if bill.outstanding > 0]


def _office_and_currency(unit):
    office = unit.building.community.office
    return office, (office.region.company.currency or "CNY").upper()


def _check_bills(unit, bills: list[Bill]) -> dict[int, Decimal]:
    """Refuse bills of another unit, voided or already settled ones; returns what each still owes."""
    if not bills:
        raise ValidationError(_("Choose at least one bill to pay."), code="empty")
    if any(bill.unit_id != unit.pk or bill.payer != Bill.Payer.HOUSEHOLD for bill in bills):
        raise ValidationError(_("One of the bills does not belong to this household."), code="foreign")
    for bill in bills:
        if bill.status == Bill.Status.VOIDED:
            raise ValidationError(
                _("The bill of %(month)s was voided and cannot be paid.") % {"month": f"{bill.period_start:%Y-%m}"},
                code="voided",
            )
    owed = outstanding_by_bill(bills)
    for bill in bills:
        if owed[bill.pk] <= 0:
            raise ValidationError(
                _("The bill of %(month)s is already settled.") % {"month": f"{bill.period_start:%Y-%m}"},
                code="settled",
            )
    return owed


# Online payments ----------------------------------------------------------------------------------


def pay_online(user, unit, bills=ALL_DUE, *, gateway: str = "") -> Payment:
    """An online payment of the chosen bills (or every bill due) of one of the user's households.

    Submitting the same choice again while the first payment is still open returns that payment.
    """
    if not resident_units(user).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("You can only pay the bills of your own household."))
    if bills == ALL_DUE:
        bills = due_bills(unit)
        if not bills:
            raise ValidationError(_("Nothing is due: there is no bill to pay."), code="empty")
    bills = sorted({bill.pk: bill for bill in bills}.values(), key=lambda b: (b.period_start, b.pk))
    owed = _check_bills(unit, bills)
    amount = sum(owed.values(), ZERO)
    office, currency = _office_and_currency(unit)
    wanted = {bill.pk for bill in bills}
    for open_payment in Payment.objects.filter(
        unit=unit, created_by=user, method=Payment.Method.ONLINE, status__in=Payment.OPEN, amount=amount
    ):
        if set(open_payment.requested_bills.values_list("pk", flat=True)) == wanted:
            return open_payment
    with transaction.atomic():
        payment = Payment.objects.create(
            office=office,
            unit=unit,
            amount=amount,
            currency=currency,
            method=Payment.Method.ONLINE,
            gateway=gateway,
            created_by=user,
        )
        payment.requested_bills.set(bills)
    return payment


def _transition(payment: Payment, status: str, **fields) -> Payment:
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status == status:
            return locked
        locked.check_transition(status)
        locked.status = status
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
    return locked


def mark_pending(payment: Payment, provider_reference: str = "") -> Payment:
    fields = {"provider_reference": provider_reference} if provider_reference else {}
    return _transition(payment, Payment.Status.PENDING, **fields)


def mark_failed(payment: Payment, reason: str = "") -> Payment:
    return _transition(payment, Payment.Status.FAILED, failure_reason=reason[:300])


def mark_cancelled(payment: Payment) -> Payment:
    return _transition(payment, Payment.Status.CANCELLED)


def _next_receipt_number(office, year: int) -> str:
    try:
        with transaction.atomic():
            ReceiptCounter.objects.create(office=office, year=year)
    except IntegrityError:
        pass
    counter = ReceiptCounter.objects.select_for_update().get(office=office, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"R-{office.code}-{year}-{counter.last:06d}"


def _debit_account(payment: Payment):
    company = payment.office.region.company
    if payment.method == Payment.Method.ONLINE:
        return ledger.system_account(company, AccountKind.STRIPE_CLEARING, office=payment.office)
    return ledger.system_account(company, AccountKind.CASH, office=payment.office)


def mark_succeeded(payment: Payment, provider_reference: str = "", *, by=None, bills: list[Bill] | None = None):
    """Settle a payment exactly once: ledger posting, allocations oldest first, receipt number.

    ``bills`` are the bills to settle (default: the ones chosen when the payment was made). Money beyond
    what they still owe stays on the household account as prepayment (the balance goes negative).
    """
    with transaction.atomic():
        locked = (
            Payment.objects.select_for_update().select_related("office__region__company", "unit").get(pk=payment.pk)
        )
        if locked.status == Payment.Status.SUCCEEDED:
            return locked
        locked.check_transition(Payment.Status.SUCCEEDED)
        chosen = bills if bills is not None else list(locked.requested_bills.all())
        bill_rows = list(
            Bill.objects.select_for_update().filter(pk__in=[b.pk for b in chosen]).order_by("period_start", "pk")
        )
        owed = outstanding_by_bill(bill_rows)
        remaining = locked.amount
        allocations = []
        for bill in bill_rows:
            share = min(remaining, owed[bill.pk])
            if share > 0:
                allocations.append(PaymentAllocation(payment=locked, bill=bill, amount=share))
                remaining -= share
        company = locked.office.region.company
        memo = _("Payment by %(method)s for %(unit)s") % {"method": locked.get_method_display(), "unit": locked.unit}
        locked.posting = ledger.post(
            key=f"payment:{locked.pk}",
            company=company,
            office=locked.office,
            lines=[(_debit_account(locked), locked.amount), (ledger.household_account(locked.unit), -locked.amount)],
            memo=memo,
            by=by,
            kind="payment",
        )
        PaymentAllocation.objects.bulk_create(allocations)
        hooks.report_settled(allocation.bill_id for allocation in allocations)
        now = timezone.now()
        locked.prepaid_amount = remaining
        locked.receipt_number = _next_receipt_number(locked.office, timezone.localdate(now).year)
        locked.status = Payment.Status.SUCCEEDED
        locked.succeeded_at = now
        if provider_reference:
            locked.provider_reference = provider_reference[:200]
        locked.save()
    return locked


# Desk payments ------------------------------------------------------------------------------------


def record_desk_payment(staff, unit, amount, method: str, bills=None, *, prepayment: bool = False) -> Payment:
    """A payment taken at the front desk, settled at once.

    Without ``bills`` the money goes to every bill due, oldest first. The bills are locked and what they
    owe is checked again inside the transaction, so of two desk payments for one bill only the first
    applies; the second is refused unless it is taken as a prepayment on purpose.
    """
    office, currency = _office_and_currency(unit)
    if not may_act_in_office(staff, DESK_ROLES, office):
        raise PermissionDenied(_("You cannot take payments for this office."))
    if method not in Payment.Method.values or method in (Payment.Method.ONLINE, Payment.Method.BANK_COLLECTION):
        raise ValidationError(_("Choose how the household paid."), code="method")
    amount = to_decimal(amount, negative_ok=False) if not isinstance(amount, str) else parse_amount(amount)
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."), code="zero")
    if bills is not None and any(bill.unit_id != unit.pk for bill in bills):
        raise ValidationError(_("One of the bills does not belong to this household."), code="foreign")
    with transaction.atomic():
        candidates = Bill.objects.filter(unit=unit, status=Bill.Status.ISSUED, payer=Bill.Payer.HOUSEHOLD)
        if bills is not None:
            candidates = candidates.filter(pk__in=[bill.pk for bill in bills])
        locked = list(candidates.select_for_update().order_by("period_start", "pk"))
        if bills is not None and len(locked) != len({bill.pk for bill in bills}):
            raise ValidationError(_("One of the bills was voided and cannot be paid."), code="voided")
        owed = outstanding_by_bill(locked)
        due = [bill for bill in locked if owed[bill.pk] > 0]
        if not prepayment:
            if bills is not None and len(due) != len(locked):
                raise ValidationError(
                    _("A chosen bill is already settled; take the money as a prepayment if the household wants."),
                    code="settled",
                )
            if not due:
                raise ValidationError(
                    _("Nothing is due for this household; take the money as a prepayment if it wants to pay ahead."),
                    code="settled",
                )
            total_due = sum((owed[bill.pk] for bill in due), ZERO)
            if amount > total_due:
                raise ValidationError(
                    _("%(amount)s is more than the %(due)s due; take it as a prepayment to keep the rest.")
                    % {"amount": format_money(amount, currency), "due": format_money(total_due, currency)},
                    code="over",
                )
        payment = Payment.objects.create(
            office=office,
            unit=unit,
            amount=amount,
            currency=currency,
            method=method,
            is_prepayment=prepayment,
            created_by=staff,
        )
        payment.requested_bills.set(due)
        return mark_succeeded(payment, by=staff, bills=due)


def receipt_lines(payment: Payment) -> list[PaymentAllocation]:
    return list(payment.allocations.select_related("bill").prefetch_related("bill__lines__item"))

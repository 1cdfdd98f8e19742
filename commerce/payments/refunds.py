"""Refunds of succeeded payments.

A refund is requested by billing staff of the payment's office; the amount is reserved at once (no two
refunds can together exceed what was paid). Desk payments are refunded on the spot; online payments go
to the gateway and, for Stripe, succeed only when the webhook confirms. ``complete_refund`` settles a
refund exactly once: ledger posting ``refund:<id>`` (debit the household, credit the account the
payment debited), first from the payment's unapplied prepayment, then from its bills newest first —
those bills owe again (``services.paid_by_bill`` subtracts the refund allocations).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.billing.models import Bill
from commerce.ledger import services as ledger
from commerce.ledger.models import AccountKind
from commerce.money import format_money, parse_amount, to_decimal
from portal.access import may_act_in_office
from portal.people.models import StaffRole

from .gateways import GatewayError, GatewayUnavailable, get_gateway
from .models import Payment, PaymentAllocation, Refund, RefundAllocation

ZERO = Decimal("0.00")
REFUND_ROLES = (StaffRole.BILLING_CLERK, StaffRole.OFFICE_MANAGER)


def may_refund(user, payment) -> bool:
    return may_act_in_office(user, REFUND_ROLES, payment.office)


def _sum(queryset) -> Decimal:
    return ledger.from_cents(queryset.aggregate(cents=ledger.sum_in_cents())["cents"])


def refunded(payment, statuses=(Refund.Status.SUCCEEDED,)) -> Decimal:
    return _sum(Refund.objects.filter(payment=payment, status__in=statuses))


def refundable(payment) -> Decimal:
    """What may still be refunded: the amount paid less every refund not failed (open ones are reserved)."""
    if payment.status != Payment.Status.SUCCEEDED:
        return ZERO
    reserved = refunded(payment, statuses=(*Refund.OPEN, Refund.Status.SUCCEEDED))
    return max(ZERO, payment.amount - reserved)


def request_refund(staff, payment, amount, reason: str) -> Refund:
    """Refund ``amount`` of a succeeded payment; returns the refund (succeeded, or pending at the provider)."""
    if not may_refund(staff, payment):
        raise PermissionDenied(_("You cannot refund payments of this office."))
    amount = parse_amount(amount) if isinstance(amount, str) else to_decimal(amount, negative_ok=False)
    if amount <= 0:
        raise ValidationError(_("The refund must be more than zero."), code="zero")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for the refund."), code="reason")
    online = payment.method == Payment.Method.ONLINE
    gateway = None
    if online:
        try:
            gateway = get_gateway(payment.gateway)
        except GatewayUnavailable as exc:
            raise ValidationError(str(exc), code="gateway") from exc
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.SUCCEEDED:
            raise ValidationError(_("Only a payment that went through can be refunded."), code="status")
        left = refundable(locked)
        if amount > left:
            raise ValidationError(
                _("%(amount)s is more than the %(left)s that can still be refunded of this payment.")
                % {"amount": format_money(amount, locked.currency), "left": format_money(left, locked.currency)},
                code="over",
            )
        refund = Refund.objects.create(payment=locked, amount=amount, reason=reason[:300], created_by=staff)
    if not online:
        return complete_refund(refund, by=staff)
    return send_refund(refund, gateway=gateway, by=staff)


def reserve_refunds_for_bill(bill: Bill, amount: Decimal, reason: str, *, by=None) -> list[Refund]:
    """Reserve refunds of ``amount`` paid toward ``bill`` (its charge was cancelled), newest payment first.

    Called by services (a cancelled booking or order), not a staff decision, so there is no role check.
    Call inside a transaction holding the bill's row lock, then ``settle_refund`` each after the commit.
    """
    paid_toward = {
        row.payment_id: row.amount
        for row in PaymentAllocation.objects.filter(bill=bill, payment__status=Payment.Status.SUCCEEDED)
    }
    taken = {
        row["payment_id"]: ledger.from_cents(row["cents"])
        for row in Refund.objects.filter(for_bill=bill, status__in=(*Refund.OPEN, Refund.Status.SUCCEEDED))
        .values("payment_id")
        .annotate(cents=ledger.sum_in_cents())
    }
    payments = Payment.objects.select_for_update().filter(pk__in=paid_toward).order_by("-succeeded_at", "-pk")
    made = []
    for payment in payments:
        share = min(amount, paid_toward[payment.pk] - taken.get(payment.pk, ZERO), refundable(payment))
        if share > 0:
            made.append(
                Refund.objects.create(
                    payment=payment,
                    for_bill=bill,
                    amount=share,
                    reason=reason[:300],
                    created_by=by if getattr(by, "is_authenticated", False) else None,
                )
            )
            amount -= share
        if amount <= 0:
            break
    return made


def settle_refund(refund: Refund, *, by=None) -> Refund:
    """Complete a desk refund at once, or hand an online one to its gateway (kept as requested on failure)."""
    if refund.payment.method != Payment.Method.ONLINE:
        return complete_refund(refund, by=by)
    try:
        return send_refund(refund, by=by)
    except ValidationError:
        return Refund.objects.get(pk=refund.pk)


def send_refund(refund: Refund, *, gateway=None, by=None) -> Refund:
    """Hand a requested refund to the payment's gateway; safe to call again (same idempotency key)."""
    refund = Refund.objects.select_related("payment").get(pk=refund.pk)
    if refund.status != Refund.Status.REQUESTED:
        return refund
    try:
        gateway = gateway or get_gateway(refund.payment.gateway)
        outcome = gateway.refund(refund)
    except GatewayUnavailable as exc:
        raise ValidationError(str(exc), code="gateway") from exc
    except GatewayError as exc:
        if exc.retry_safe:
            # Kept as requested, the amount stays reserved; sending it again reuses the idempotency key.
            raise ValidationError(
                _("%(error)s The refund is kept as requested; send it again.") % {"error": exc}, code="retry"
            ) from exc
        fail_refund(refund, str(exc))
        raise ValidationError(str(exc), code="refused") from exc
    if outcome.settled:
        return complete_refund(refund, outcome.reference, by=by)
    return mark_refund_pending(refund, outcome.reference)


def _locked(refund: Refund) -> Refund:
    return Refund.objects.select_for_update().get(pk=refund.pk)


def mark_refund_pending(refund: Refund, provider_reference: str = "") -> Refund:
    with transaction.atomic():
        locked = _locked(refund)
        if provider_reference and not locked.provider_reference:
            locked.provider_reference = provider_reference[:200]
        if locked.status == Refund.Status.REQUESTED:
            locked.status = Refund.Status.PENDING
        locked.save()
    return locked


def fail_refund(refund: Refund, reason: str = "") -> Refund:
    with transaction.atomic():
        locked = _locked(refund)
        if locked.status == Refund.Status.FAILED:
            return locked
        locked.check_transition(Refund.Status.FAILED)
        locked.status = Refund.Status.FAILED
        locked.failure_reason = reason[:300]
        locked.decided_at = timezone.now()
        locked.save()
    return locked


def _credit_account(payment: Payment):
    """The account the payment debited (cash, Stripe clearing...): the money goes back out of it."""
    entry = (
        payment.posting.entries.filter(amount__gt=0)
        .exclude(account__kind=AccountKind.HOUSEHOLD)
        .select_related("account")
    ).first()
    return entry.account


def complete_refund(refund: Refund, provider_reference: str = "", *, by=None) -> Refund:
    """Settle a refund exactly once: ledger posting, prepayment first, then the bills newest first."""
    with transaction.atomic():
        locked = _locked(refund)
        if locked.status == Refund.Status.SUCCEEDED:
            return locked
        locked.check_transition(Refund.Status.SUCCEEDED)
        payment = (
            Payment.objects.select_for_update()
            .select_related("office__region__company", "unit")
            .get(pk=locked.payment_id)
        )
        remaining = locked.amount
        # A refund for one cancelled charge comes back from that bill; any other from the prepayment first.
        from_prepayment = ZERO if locked.for_bill_id else min(payment.prepaid_amount, remaining)
        remaining -= from_prepayment
        allocations = _take_back_from_bills(locked, payment, remaining)
        remaining -= sum((allocation.amount for allocation in allocations), ZERO)
        if remaining > 0:  # cannot happen while refunds are reserved in request_refund; never post half
            raise ValidationError(_("This payment has not that much left to refund."), code="over")
        locked.posting = ledger.post(
            key=f"refund:{locked.pk}",
            company=payment.office.region.company,
            office=payment.office,
            lines=[(ledger.household_account(payment.unit), locked.amount), (_credit_account(payment), -locked.amount)],
            memo=_("Refund of payment %(payment)s for %(unit)s") % {"payment": payment, "unit": payment.unit},
            by=by,
            kind="refund",
            reason=locked.reason,
        )
        RefundAllocation.objects.bulk_create(allocations)
        if from_prepayment:
            payment.prepaid_amount -= from_prepayment
            Payment.objects.filter(pk=payment.pk).update(prepaid_amount=payment.prepaid_amount)
        locked.from_prepayment = from_prepayment
        locked.status = Refund.Status.SUCCEEDED
        locked.decided_at = timezone.now()
        if provider_reference:
            locked.provider_reference = provider_reference[:200]
        locked.save()
    return locked


def _take_back_from_bills(refund: Refund, payment: Payment, amount: Decimal) -> list[RefundAllocation]:
    if amount <= 0:
        return []
    rows = PaymentAllocation.objects.filter(payment=payment).order_by("-bill__period_start", "-bill_id")
    if refund.for_bill_id:
        rows = rows.filter(bill_id=refund.for_bill_id)
    settled = {row.bill_id: row.amount for row in rows}
    list(Bill.objects.select_for_update().filter(pk__in=settled).order_by("period_start", "pk"))
    taken_back = {
        row["bill_id"]: ledger.from_cents(row["cents"])
        for row in RefundAllocation.objects.filter(refund__payment=payment, refund__status=Refund.Status.SUCCEEDED)
        .values("bill_id")
        .annotate(cents=ledger.sum_in_cents())
    }
    allocations = []
    for bill_id, settled_amount in settled.items():
        share = min(amount, settled_amount - taken_back.get(bill_id, ZERO))
        if share > 0:
            allocations.append(RefundAllocation(refund=refund, bill_id=bill_id, amount=share))
            amount -= share
        if amount <= 0:
            break
    return allocations


def refunds_of(payment) -> list[Refund]:
    rows = list(payment.refunds.prefetch_related("allocations__bill").order_by("created_at", "pk"))
    for refund in rows:
        refund.amount_display = format_money(refund.amount, payment.currency)
    return rows


def reverse_refund(refund: Refund, reason: str) -> Refund:
    """The provider failed a refund after reporting it succeeded: the money never left, so undo it.

    The refund's posting is reversed (red-letter), its bill allocations stop counting (only succeeded
    refunds reduce what was paid), and what it took from the prepayment is put back. Exactly once.
    """
    with transaction.atomic():
        locked = _locked(refund)
        if locked.status == Refund.Status.REVERSED:
            return locked
        locked.check_transition(Refund.Status.REVERSED)
        payment = Payment.objects.select_for_update().get(pk=locked.payment_id)
        locked.reversal = ledger.reverse(locked.posting, key=f"refund-reversed:{locked.pk}", reason=reason[:300])
        if locked.from_prepayment:
            Payment.objects.filter(pk=payment.pk).update(prepaid_amount=payment.prepaid_amount + locked.from_prepayment)
        locked.status = Refund.Status.REVERSED
        locked.failure_reason = reason[:300]
        locked.save()
    return locked


def record_outside_refund(payment: Payment, amount: Decimal, reference: str, reason: str) -> Refund:
    """A refund made at the provider outside Linli (e.g. in the Stripe dashboard): record and settle it.

    Refused (ValidationError) when it is more than what is left to refund; the caller reports it.
    """
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        # Stripe sends several events for one refund; the payment's lock makes the second find the first.
        known = Refund.objects.filter(payment=locked, provider_reference=reference).first() if reference else None
        if known is not None:
            return known
        if locked.status != Payment.Status.SUCCEEDED or amount <= 0 or amount > refundable(locked):
            raise ValidationError(_("This payment has not that much left to refund."), code="over")
        refund = Refund.objects.create(
            payment=locked, amount=amount, reason=reason[:300], provider_reference=reference[:200]
        )
    return complete_refund(refund, reference)


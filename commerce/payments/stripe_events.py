"""Stripe webhook events: stored once per event id, then handled idempotently and in any order.

Storing the event and handling it share one transaction: a handler that fails rolls the row back, so
Stripe's retry is handled afresh instead of being taken for a duplicate. A second delivery of the same
event waits on the unique key until the first commits, then answers as a duplicate and does nothing.
Status changes go through the services, which lock the payment or refund and never downgrade a
success: an "expired" arriving after "completed" changes nothing.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commerce.money import from_minor_units, to_minor_units

from . import refunds, services
from .models import Payment, ProviderEvent, Refund

logger = logging.getLogger(__name__)
GATEWAY = "stripe"


def receive(payload: dict) -> tuple[ProviderEvent, bool]:
    """Store and handle one verified event; returns the event and whether it was new."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = ProviderEvent.objects.create(
                    gateway=GATEWAY, event_id=payload["id"], type=payload["type"], payload=payload
                )
        except IntegrityError:
            return ProviderEvent.objects.get(gateway=GATEWAY, event_id=payload["id"]), False
        obj = payload["data"]["object"]
        result = _handle(event.type, obj)
        event.processed_at = timezone.now()
        event.result = result[:300]
        event.office_id = _office_of(event.type, obj)
        event.save(update_fields=["processed_at", "result", "office"])
    return event, True


def _office_of(event_type: str, obj: dict) -> int | None:
    """The office of the payment an event is about, so that its staff see it; None when unknown."""
    if event_type.startswith("checkout.session."):
        payment = _payment_for(obj)
    elif event_type == "charge.refunded":
        payment = _payment_of_refund(obj)
    else:
        refund = _refund_for(obj)
        payment = refund.payment if refund is not None else _payment_of_refund(obj)
    return payment.office_id if payment is not None else None


def _handle(event_type: str, obj: dict) -> str:
    handler = HANDLERS.get(event_type)
    if handler is None:
        return "ignored: event type not handled"
    try:
        return handler(obj)
    except ValidationError as exc:
        # A refused transition is an answer, not an error: Stripe retrying would only be refused again.
        logger.error("Stripe event %s refused: %s", event_type, exc.messages)
        return "refused: " + " ".join(exc.messages)


# Checkout sessions ------------------------------------------------------------------------------


def _payment_for(session: dict) -> Payment | None:
    session_id = session.get("id") or ""
    payment = Payment.objects.filter(gateway=GATEWAY, provider_reference=session_id).first() if session_id else None
    if payment is None:
        # The session may be answered before ``start`` stored its id; the metadata names our payment.
        payment_id = str((session.get("metadata") or {}).get("payment_id") or "")
        if payment_id.isdigit():
            payment = Payment.objects.filter(
                pk=int(payment_id), gateway=GATEWAY, provider_reference__in=["", session_id]
            ).first()
    return payment


def _matches(payment: Payment, session: dict) -> bool:
    amount = session.get("amount_total")
    currency = (session.get("currency") or "").upper()
    return currency == payment.currency.upper() and amount == to_minor_units(payment.amount, payment.currency)


def _session_event(change):
    def handle(session: dict) -> str:
        payment = _payment_for(session)
        if payment is None:
            return f"no payment for session {session.get('id')!r}: nothing changed"
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            intent = session.get("payment_intent") or ""
            if isinstance(intent, str) and intent and not locked.provider_payment_id:
                locked.provider_payment_id = intent[:200]
                Payment.objects.filter(pk=locked.pk).update(provider_payment_id=locked.provider_payment_id)
            return change(locked, session)

    return handle


def _succeed(payment: Payment, session: dict) -> str:
    if payment.status == Payment.Status.SUCCEEDED:
        return f"payment {payment.pk} had already succeeded"
    if not _matches(payment, session):
        logger.error("Stripe session %s does not match payment %s in amount or currency", session.get("id"), payment.pk)
        return f"amount or currency differ from payment {payment.pk}: nothing changed"
    if payment.status not in Payment.OPEN:
        logger.error("Stripe reports payment %s paid, but it is %s", payment.pk, payment.status)
        return f"paid at Stripe but payment {payment.pk} is {payment.status}: needs attention"
    services.mark_succeeded(payment, session.get("id") or "")
    return f"payment {payment.pk} succeeded"


def _completed(payment: Payment, session: dict) -> str:
    if session.get("payment_status") == "paid":
        return _succeed(payment, session)
    if payment.status == Payment.Status.CREATED:
        services.mark_pending(payment, session.get("id") or "")
    return f"payment {payment.pk} waits for the asynchronous payment ({payment.status})"


def _end(status: str):
    def change(payment: Payment, session: dict) -> str:
        if payment.status not in Payment.OPEN:
            return f"payment {payment.pk} is already {payment.status}: nothing changed"
        if status == Payment.Status.FAILED:
            services.mark_failed(payment, _("The payment failed at Stripe."))
        else:
            services.mark_cancelled(payment)
        return f"payment {payment.pk} {status}"

    return change


# Refunds ----------------------------------------------------------------------------------------


def _refund_for(stripe_refund: dict) -> Refund | None:
    reference = stripe_refund.get("id") or ""
    refund = (
        Refund.objects.filter(provider_reference=reference, payment__gateway=GATEWAY).first() if reference else None
    )
    if refund is None:
        # The webhook can arrive before ``send_refund`` stored the refund's id: its metadata names ours.
        refund_id = str((stripe_refund.get("metadata") or {}).get("refund_id") or "")
        if refund_id.isdigit():
            refund = Refund.objects.filter(
                pk=int(refund_id), payment__gateway=GATEWAY, provider_reference__in=["", reference]
            ).first()
    return refund


def _payment_of_refund(stripe_refund: dict) -> Payment | None:
    intent = stripe_refund.get("payment_intent") or ""
    if not intent:
        return None
    return Payment.objects.filter(gateway=GATEWAY, provider_payment_id=intent).first()


def _outside_refund(stripe_refund: dict) -> str:
    """A refund we did not ask for (made in the Stripe dashboard): recorded once it has succeeded."""
    payment = _payment_of_refund(stripe_refund)
    reference = stripe_refund.get("id") or ""
    if payment is None:
        return f"no refund or payment for {reference!r}: nothing changed"
    if stripe_refund.get("status") != "succeeded":
        return f"refund {reference} made at Stripe is {stripe_refund.get('status')}: recorded when it succeeds"
    amount = from_minor_units(stripe_refund.get("amount") or 0, payment.currency)
    try:
        refund = refunds.record_outside_refund(
            payment, amount, reference, _("Refunded in the Stripe dashboard (%(id)s)") % {"id": reference}
        )
    except ValidationError:
        logger.error("Stripe refund %s of payment %s exceeds what is left to refund", reference, payment.pk)
        return f"refund {reference} made at Stripe exceeds what is left of payment {payment.pk}: needs attention"
    return f"refund {refund.pk} made at Stripe recorded for payment {payment.pk}"


def _refund_changed(stripe_refund: dict) -> str:
    refund = _refund_for(stripe_refund)
    if refund is None:
        return _outside_refund(stripe_refund)
    if stripe_refund.get("amount") != to_minor_units(refund.amount, refund.payment.currency):
        logger.error("Stripe refund %s does not match refund %s in amount", stripe_refund.get("id"), refund.pk)
        return f"amount differs from refund {refund.pk}: nothing changed"
    status = stripe_refund.get("status")
    reference = stripe_refund.get("id") or ""
    if status == "succeeded":
        if refund.status == Refund.Status.REVERSED:
            return f"refund {refund.pk} was reversed after failing at Stripe: nothing changed"
        if refund.status == Refund.Status.FAILED:
            logger.error("Stripe reports refund %s succeeded, but it is failed", refund.pk)
            return f"refunded at Stripe but refund {refund.pk} is failed: needs attention"
        refunds.complete_refund(refund, reference)
        return f"refund {refund.pk} succeeded"
    if status in ("failed", "canceled"):
        reason = stripe_refund.get("failure_reason") or status
        if refund.status in (Refund.Status.SUCCEEDED, Refund.Status.REVERSED):
            logger.warning("Stripe reports refund %s %s after it succeeded: reversing it", refund.pk, status)
            refunds.reverse_refund(refund, _("Stripe could not refund: %(reason)s") % {"reason": reason})
            return f"refund {refund.pk} {status} at Stripe after it succeeded: reversed"
        refunds.fail_refund(refund, _("Stripe could not refund: %(reason)s") % {"reason": reason})
        return f"refund {refund.pk} failed"
    refunds.mark_refund_pending(refund, reference)
    return f"refund {refund.pk} is {status} at Stripe"


def _charge_refunded(charge: dict) -> str:
    listed = (charge.get("refunds") or {}).get("data") or []
    if not listed:
        return "no refunds listed on the charge: the refund events settle them"
    return "; ".join(_refund_changed(stripe_refund) for stripe_refund in listed)


HANDLERS = {
    "checkout.session.completed": _session_event(_completed),
    "checkout.session.async_payment_succeeded": _session_event(_succeed),
    "checkout.session.async_payment_failed": _session_event(_end(Payment.Status.FAILED)),
    "checkout.session.expired": _session_event(_end(Payment.Status.CANCELLED)),
    "charge.refunded": _charge_refunded,
    "charge.refund.updated": _refund_changed,
    "refund.created": _refund_changed,
    "refund.updated": _refund_changed,
    "refund.failed": _refund_changed,
}

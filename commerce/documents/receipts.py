"""What a receipt (收款凭证) says about one succeeded payment."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from commerce.payments.models import Payment, PaymentAllocation, Refund
from commerce.payments.receipts import visible_refunds
from commerce.payments.services import receipt_lines

from .households import resident_names


@dataclass
class Receipt:
    payment: Payment
    paid_on: datetime.date
    residents: list[str]
    allocations: list[PaymentAllocation]
    refunds: list[Refund]
    clerk: str  # who took the money at the desk; empty for online and bank payments

    @property
    def number(self) -> str:
        return self.payment.receipt_number

    @property
    def amount(self) -> Decimal:
        return self.payment.amount


def receipt_for(payment: Payment) -> Receipt:
    payment = Payment.objects.select_related("office__region__company", "unit__building__community", "created_by").get(
        pk=payment.pk
    )
    paid_on = timezone.localdate(payment.succeeded_at) if payment.succeeded_at else timezone.localdate()
    desk = payment.method not in (Payment.Method.ONLINE, Payment.Method.BANK_COLLECTION)
    return Receipt(
        payment=payment,
        paid_on=paid_on,
        residents=resident_names([payment.unit_id], paid_on).get(payment.unit_id, []),
        allocations=receipt_lines(payment),
        refunds=visible_refunds(payment),
        clerk=str(payment.created_by) if desk and payment.created_by else "",
    )

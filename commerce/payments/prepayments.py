"""Prepayments applied to new charges (预收冲应收).

Money paid beyond what was due stays on the household account (its balance goes negative) and on
the payment as ``prepaid_amount``: the part not yet applied to any bill. When a new bill is issued,
``apply_prepayments`` settles it from those payments, oldest payment first and oldest bill first,
and records each application as a ``PaymentAllocation``. No ledger posting is needed: the household
account already holds the credit, and the new bill's posting nets against it.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from commerce.billing.models import Bill

from . import hooks
from .models import Payment, PaymentAllocation

ZERO = Decimal("0.00")


def units_with_prepayment(unit_ids: Iterable[int]) -> set[int]:
    """Those of ``unit_ids`` with some prepayment not yet applied (one query)."""
    return set(
        Payment.objects.filter(
            unit_id__in=list(unit_ids), status=Payment.Status.SUCCEEDED, prepaid_amount__gt=0
        ).values_list("unit_id", flat=True)
    )


def apply_prepayments(unit) -> list[PaymentAllocation]:
    """Settle the unit's household bills from its unapplied prepayments; returns the new allocations.

    Idempotent: a second call finds nothing left to apply (or nothing left owing). The payments and
    the bills are locked, so a concurrent desk payment or another call cannot apply the same money twice.
    """
    from .services import outstanding_by_bill

    with transaction.atomic():
        payments = list(
            Payment.objects.select_for_update()
            .filter(unit=unit, status=Payment.Status.SUCCEEDED, prepaid_amount__gt=0)
            .order_by("succeeded_at", "pk")
        )
        if not payments:
            return []
        bills = list(
            Bill.objects.select_for_update()
            .filter(unit=unit, status=Bill.Status.ISSUED, payer=Bill.Payer.HOUSEHOLD)
            .order_by("period_start", "pk")
        )
        owed = outstanding_by_bill(bills)
        already = set(
            PaymentAllocation.objects.filter(payment__in=payments, bill__in=bills).values_list("payment_id", "bill_id")
        )
        created = []
        for bill in bills:
            for payment in payments:
                if owed[bill.pk] <= 0:
                    break
                if payment.prepaid_amount <= 0 or (payment.pk, bill.pk) in already:
                    continue
                share = min(payment.prepaid_amount, owed[bill.pk])
                created.append(PaymentAllocation(payment=payment, bill=bill, amount=share))
                payment.prepaid_amount -= share
                owed[bill.pk] -= share
        PaymentAllocation.objects.bulk_create(created)
        hooks.report_settled(allocation.bill_id for allocation in created)
        for payment in {allocation.payment for allocation in created}:
            Payment.objects.filter(pk=payment.pk).update(prepaid_amount=payment.prepaid_amount)
    return created

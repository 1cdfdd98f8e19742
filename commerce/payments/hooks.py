"""Telling other apps that a bill they charged is now paid.

An app that charges through ``billing.one_off.issue_charge(..., source="clubhouse:booking:7")`` registers
``register_bill_paid("clubhouse", handler)`` in its ``AppConfig.ready()``; after the commit of whatever
settled such a bill in full (an online or desk payment, or a prepayment applied to it), ``handler(bill)``
runs. Handlers must be idempotent: a bill may be reported again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction

logger = logging.getLogger("linli.payments")

_BILL_PAID: dict[str, list[Callable]] = {}


def register_bill_paid(app: str, handler: Callable) -> None:
    handlers = _BILL_PAID.setdefault(app, [])
    if handler not in handlers:
        handlers.append(handler)


def _app_of(source: str) -> str:
    return source.split(":", 1)[0]


def report_settled(bill_ids: Iterable[int]) -> None:
    """Queue the bill-paid handlers of these bills (the paid-in-full ones with a source) for after commit."""
    bill_ids = sorted(set(bill_ids))
    if bill_ids and _BILL_PAID:
        transaction.on_commit(lambda: _run(bill_ids))


def _run(bill_ids: list[int]) -> None:
    from commerce.billing.models import Bill

    from .services import outstanding_by_bill

    bills = list(Bill.objects.filter(pk__in=bill_ids, status=Bill.Status.ISSUED).exclude(source=""))
    owed = outstanding_by_bill(bills)
    for bill in bills:
        if owed[bill.pk] > 0:
            continue
        for handler in _BILL_PAID.get(_app_of(bill.source), []):
            handler(bill)

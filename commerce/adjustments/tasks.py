"""Nightly late fees: beat starts ``accrue_late_fees`` at 01:30 (see migration 0002), which fans out per office."""

import datetime

from celery import shared_task
from django.db import OperationalError

SCHEDULE_NAME = "Late fees: nightly accrual"


@shared_task
def accrue_late_fees(day: str | None = None) -> dict:
    """Queue one accrual per office with a late-fee policy; ``day`` (YYYY-MM-DD) defaults to today."""
    from .latefees import charging_office_ids

    office_ids = charging_office_ids()
    for office_id in office_ids:
        accrue_office_late_fees.delay(office_id, day)
    return {"offices": len(office_ids)}


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    acks_late=True,
)
def accrue_office_late_fees(office_id: int, day: str | None = None) -> dict:
    """Charge the office's late fees up to ``day``; days missed before are caught up, none charged twice."""
    from .latefees import accrue_office

    result = accrue_office(office_id, datetime.date.fromisoformat(day) if day else None)
    return {"office": office_id, "bills": result.bills, "days": result.days, "total": str(result.total)}

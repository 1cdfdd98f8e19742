"""Beat runs ``escalate_public_repairs`` every hour (see migration 0002); it fans out one task per order."""

from celery import shared_task
from django.db import OperationalError

SCHEDULE_NAME = "Work orders: escalate old public-area repairs"


@shared_task
def escalate_public_repairs() -> dict:
    from .services import stale_public_repairs

    ids = stale_public_repairs()
    for order_id in ids:
        escalate_order.delay(order_id)
    return {"orders": len(ids)}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def escalate_order(order_id: int) -> bool:
    from .services import escalate

    return escalate(order_id)


BREACH_SCHEDULE_NAME = "Work orders: alert promise breaches"


@shared_task
def alert_promise_breaches() -> dict:
    """Every minute: each breach of the dispatch clock or arrival window not alerted yet, one task each."""
    from .services import breached_orders

    found = breached_orders()
    for order_id, kind in found:
        alert_breach.delay(order_id, kind)
    return {"breaches": len(found)}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, acks_late=True)
def alert_breach(order_id: int, kind: str) -> bool:
    from . import services

    return services.alert_breach(order_id, kind)

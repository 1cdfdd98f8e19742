"""Celery beat runs ``expire_unpaid_orders`` every 10 minutes (see migration 0003)."""

from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_unpaid_orders() -> dict:
    """Online orders not paid in time are cancelled and their slots freed."""
    from .services import expire_unpaid

    return {"expired": expire_unpaid()}

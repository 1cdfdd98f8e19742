"""Celery tasks: they take ids and call a service."""

from celery import shared_task
from django.db import transaction

from . import services


@shared_task
def decide_group_buy(group_buy_id: int) -> str:
    return services.decide_group_buy(group_buy_id).status


@shared_task
def decide_due_group_buys() -> int:
    """Beat: every few minutes, decide each open group buy whose deadline has passed."""
    ids = list(services.due_group_buys().values_list("pk", flat=True))
    for group_buy_id in ids:
        transaction.on_commit(lambda pk=group_buy_id: decide_group_buy.delay(pk))
    return len(ids)


@shared_task
def expire_unpaid_orders() -> int:
    return services.expire_unpaid_orders()

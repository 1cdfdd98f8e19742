"""Readiness checks for the load balancer and operators: database, cache, channel layer, Celery."""

import uuid

from asgiref.sync import async_to_sync
from celery import shared_task
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection


@shared_task(name="portal.health.echo")
def echo(token: str) -> str:
    return token


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key, token = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, token, 10)
    if cache.get(key) != token:
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


def check_channel_layer() -> None:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    token = uuid.uuid4().hex
    async_to_sync(layer.send)(channel, {"type": "health.ping", "token": token})
    message = async_to_sync(layer.receive)(channel)
    if message.get("token") != token:
        raise RuntimeError("channel layer did not deliver the message")


def check_celery(timeout: float = 5.0) -> None:
    token = uuid.uuid4().hex
    if echo.apply_async(args=[token]).get(timeout=timeout) != token:
        raise RuntimeError("Celery did not answer")


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "channel_layer": check_channel_layer,
}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001  (report every failure, never crash the probe)
            results[name] = f"error: {exc}"
    return results

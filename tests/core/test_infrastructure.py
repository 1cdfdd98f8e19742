"""The embedded defaults work, and with REDIS_URL the real Redis carries cache, channels and Celery."""

import pytest
from django.conf import settings

from portal import health


@pytest.mark.django_db
def test_deep_health_check_reports_every_part_ok(client):
    response = client.get("/healthz?deep=1")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "channel_layer": "ok"}


def test_plain_health_check_needs_no_database(client):
    assert client.get("/healthz").content == b"ok"


@pytest.mark.redis
def test_redis_backs_cache_and_channel_layer():
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    health.check_cache()
    health.check_channel_layer()


@pytest.mark.redis
def test_celery_worker_runs_a_task_through_the_redis_broker():
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    assert app.conf.result_backend == settings.REDIS_URL
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            health.check_celery(timeout=20)
    finally:
        app.conf.task_always_eager = True

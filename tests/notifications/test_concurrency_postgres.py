"""The SMS quota and per-number limits hold under concurrent senders (real threads on PostgreSQL)."""

import threading

import pytest
from django.db import connection

from notifications import sms
from notifications.models import SmsCounter

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(count, work):
    barrier = threading.Barrier(count)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_the_employee_quota_is_never_overspent_by_concurrent_campaigns(world, settings):
    settings.SMS_MONTHLY_QUOTA_PER_EMPLOYEE = 10
    results = race(8, lambda: sms.reserve_employee_quota(world.desk, 3))
    assert results.count(True) == 3
    assert SmsCounter.objects.get(key=f"employee:{world.desk.pk}").count == 9


def test_the_per_number_daily_cap_holds_under_concurrent_sends(world, settings):
    settings.SMS_DAILY_CAP_PER_NUMBER = 5
    settings.SMS_PER_NUMBER_PER_MINUTE = 100
    results = race(12, lambda: sms.allow_number("+8613800000001"))
    assert results.count("") == 5 and results.count("day") == 7


def test_the_per_number_rate_limit_holds_under_concurrent_sends(world, settings):
    settings.SMS_DAILY_CAP_PER_NUMBER = 100
    settings.SMS_PER_NUMBER_PER_MINUTE = 3
    results = race(10, lambda: sms.allow_number("+8613800000002"))
    assert results.count("") == 3 and results.count("minute") == 7
    day = SmsCounter.objects.get(key="day:+8613800000002")
    assert day.count == 3  # refused sends give their day count back

"""Phone verification codes take the notifications SMS path: a delivery record, pumping guards, no quiet hours."""

import pytest
from allauth.account.adapter import get_adapter

from notifications import sms as sms_rules
from notifications.models import Delivery
from portal.people.sms import EVENT, send_sms

pytestmark = pytest.mark.django_db


def test_a_verification_code_is_sent_at_once_and_recorded(world, sms_outbox, settings):
    settings.NOTIFICATIONS_QUIET_HOURS = "00:00-23:59"  # it is quiet hours now, whatever the time of the run

    get_adapter().send_verification_code_sms(world.resident, "+8613800000001", "123456")

    assert [m.to for m in sms_outbox] == ["+8613800000001"] and "123456" in sms_outbox[0].body
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.event, delivery.status, delivery.recipient) == (
        "sms",
        EVENT,
        "sent",
        world.resident,
    )
    assert list(delivery.events.values_list("status", flat=True)) == ["queued", "sent"]


def test_the_daily_cap_per_number_stops_sms_pumping(world, sms_outbox, settings):
    settings.SMS_DAILY_CAP_PER_NUMBER = 2
    settings.SMS_PER_NUMBER_PER_MINUTE = 10
    for code in ("111111", "222222", "333333"):
        send_sms("+8613900000000", f"Linli verification code: {code}")

    assert [m.body[-6:] for m in sms_outbox] == ["111111", "222222"]
    refused = Delivery.objects.get(body__endswith="333333")
    assert refused.status == "failed" and refused.error == "daily cap for this number reached"


def test_the_per_number_rate_limit_holds_codes_back(world, sms_outbox, settings):
    settings.SMS_PER_NUMBER_PER_MINUTE = 1
    send_sms("+8613900000000", "Linli verification code: 111111")
    send_sms("+8613900000000", "Linli verification code: 222222")

    assert [m.body[-6:] for m in sms_outbox] == ["111111"]
    held = Delivery.objects.get(body__endswith="222222")
    # Without a worker (tests, development) there is no later: it is failed, with the reason.
    assert held.status == "failed" and "rate limited" in held.error


def test_a_rate_limited_code_is_retried_by_the_worker_when_there_is_one(world, sms_outbox, settings, monkeypatch):
    from notifications import tasks
    from portal.celery import app

    from .test_centre import django_capture_on_commit

    settings.SMS_PER_NUMBER_PER_MINUTE = 1
    scheduled = []
    monkeypatch.setattr(tasks.send_delivery, "apply_async", lambda args, countdown: scheduled.append((args, countdown)))
    send_sms("+8613900000000", "Linli verification code: 111111")
    app.conf.task_always_eager = False  # as with a worker
    try:
        with django_capture_on_commit():
            send_sms("+8613900000000", "Linli verification code: 222222")
    finally:
        app.conf.task_always_eager = True

    held = Delivery.objects.get(body__endswith="222222")
    assert held.status == "queued" and held.error == "rate limited"
    assert scheduled == [((held.pk,), tasks.retry_delay(0))]


def test_a_number_that_answered_stop_gets_no_code(world, sms_outbox):
    sms_rules.opt_out("+8613900000000")
    send_sms("+8613900000000", "Linli verification code: 111111")
    assert sms_outbox == [] and Delivery.objects.get().status == "skipped"

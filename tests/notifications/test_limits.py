"""SMS segments, per-number rate limit and daily cap, the employee's monthly quota."""

import pytest
from django.utils.translation import gettext_lazy as _

from notifications import events, sms
from notifications.models import Delivery, Preference
from notifications.services import notify

from .test_centre import NOON, django_capture_on_commit

pytestmark = pytest.mark.django_db

events.register(
    events.EventType(key="tests.ping", label=_("Ping"), title="Ping", body="Ping %(n)s", sms="Linli ping %(n)s")
)


def test_segments_are_counted_per_encoding():
    assert sms.segments("a" * 160) == 1
    assert sms.segments("a" * 161) == 2
    assert sms.segments("€" * 80) == 1  # an extended GSM character costs two
    assert sms.segments("物业" * 35) == 1
    assert sms.segments("物" * 71) == 2
    assert sms.segments("物" * 135) == 3


def test_a_long_event_text_is_cut_to_the_priced_segments(settings):
    settings.SMS_MAX_SEGMENTS = 1
    text = sms.fit("停水通知" * 30)
    assert sms.segments(text) == 1 and text.endswith("…")


def ping(world, n):
    with django_capture_on_commit():
        notify([world.resident], "tests.ping", {"n": n}, now=NOON)


def test_the_per_number_rate_limit_delays_and_the_daily_cap_refuses(world, settings, sms_outbox):
    settings.SMS_PER_NUMBER_PER_MINUTE = 2
    settings.SMS_DAILY_CAP_PER_NUMBER = 100
    Preference.objects.create(user=world.resident, event="tests.ping", channel="sms", enabled=True)
    for n in range(3):
        ping(world, n)
    # The third one in the same minute is held for a retry; eager retries run at once and give up.
    assert len(sms_outbox) == 2
    third = Delivery.objects.order_by("pk").last()
    assert third.status == "failed" and "rate limited" in third.error

    settings.SMS_PER_NUMBER_PER_MINUTE = 100
    settings.SMS_DAILY_CAP_PER_NUMBER = 3
    ping(world, 4)
    ping(world, 5)
    assert len(sms_outbox) == 3
    capped = Delivery.objects.order_by("pk").last()
    assert (capped.status, capped.error) == ("failed", "daily cap for this number reached")


def test_the_employee_quota_is_all_or_nothing(world, settings):
    settings.SMS_MONTHLY_QUOTA_PER_EMPLOYEE = 5
    assert sms.reserve_employee_quota(world.desk, 3)
    assert not sms.reserve_employee_quota(world.desk, 3)
    assert sms.quota_left(world.desk) == 2
    assert sms.reserve_employee_quota(world.desk, 2)
    assert sms.quota_left(world.desk) == 0
    assert sms.quota_left(world.keeper) == 5


def test_twilio_without_credentials_is_reported_by_a_system_check(settings):
    from notifications.checks import twilio_configured

    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_AUTH_TOKEN = ""
    settings.TWILIO_FROM = ""
    assert [e.id for e in twilio_configured(None)] == ["notifications.E001"]
    settings.TWILIO_AUTH_TOKEN = "x"
    settings.TWILIO_FROM = "+15005550006"
    assert twilio_configured(None) == []

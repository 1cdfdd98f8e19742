"""The notification centre: list, unread badge, mark read; preferences and quiet hours decide the channel."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications import events
from notifications.models import Delivery, Notification, Preference, QuietHours
from notifications.services import notify

pytestmark = pytest.mark.django_db

events.register(
    events.EventType(
        key="tests.bill",
        label=_("Bill issued"),
        title="Bill %(month)s",
        body="You owe %(amount)s.",
        sms="Linli: bill %(month)s, %(amount)s.",
    )
)
events.register(
    events.EventType(
        key="tests.outage",
        label="Water cut",
        title="Water cut",
        body="No water %(when)s.",
        sms="Linli: no water %(when)s.",
        urgent=True,
    )
)

NOON = timezone.make_aware(datetime.datetime(2026, 11, 20, 12, 0))
NIGHT = timezone.make_aware(datetime.datetime(2026, 11, 20, 23, 30))


def test_the_centre_lists_only_my_notifications_and_the_header_shows_my_unread_count(client, world):
    notify([world.resident], "tests.bill", {"month": "2026-11", "amount": "¥320.00"}, url="/bills/")
    notify([world.resident], "tests.bill", {"month": "2026-10", "amount": "¥300.00"})
    notify([world.neighbour], "tests.bill", {"month": "2026-11", "amount": "¥999.00"})
    client.force_login(world.resident)

    page = client.get(reverse("notifications:centre")).content.decode()

    assert "You owe ¥320.00." in page and "You owe ¥300.00." in page
    assert "¥999.00" not in page
    assert "data-unread-count >2</span>" in page  # the header badge


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, world):
    (mine,) = notify([world.resident], "tests.bill", {"month": "2026-11", "amount": "1"}, url="/bills/")
    client.force_login(world.resident)

    response = client.post(reverse("notifications:read", args=[mine.pk]), {"follow": "1"})

    assert response.status_code == 302 and response.url == "/bills/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_a_neighbour_cannot_mark_my_notification_read(client, world):
    (mine,) = notify([world.resident], "tests.bill", {"month": "2026-11", "amount": "1"})
    client.force_login(world.neighbour)

    assert client.post(reverse("notifications:read", args=[mine.pk])).status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


def test_an_outside_link_is_not_followed(client, world):
    (mine,) = notify([world.resident], "tests.bill", {"month": "2026-11", "amount": "1"}, url="https://evil.example/")
    client.force_login(world.resident)
    response = client.post(reverse("notifications:read", args=[mine.pk]), {"follow": "1"})
    assert response.url == reverse("notifications:centre")


def test_mark_all_read_clears_the_badge(client, world):
    notify([world.resident], "tests.bill", {"month": "2026-11", "amount": "1"})
    notify([world.resident], "tests.bill", {"month": "2026-12", "amount": "1"})
    client.force_login(world.resident)
    client.post(reverse("notifications:read_all"))
    assert Notification.objects.unread().filter(recipient=world.resident).count() == 0
    assert "data-unread-count hidden>0</span>" in client.get(reverse("notifications:centre")).content.decode()


def test_the_centre_needs_a_login(client, world):
    response = client.get(reverse("notifications:centre"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_by_default_an_event_reaches_only_the_notification_centre(world, sms_outbox):
    notify([world.resident], "tests.bill", {"month": "2026-11", "amount": "1"}, now=NOON)
    assert Delivery.objects.count() == 0 and sms_outbox == [] and mail.outbox == []


def test_a_resident_chooses_sms_and_email_for_one_event_on_the_settings_page(client, world, sms_outbox):
    client.force_login(world.resident)
    response = client.post(
        reverse("notifications:preferences"),
        {
            "tests.bill:sms": "on",
            "tests.bill:email": "on",
            "quiet_on": "1",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
    )
    assert response.status_code == 302

    with django_capture_on_commit():
        notify([world.resident], "tests.bill", {"month": "2026-11", "amount": "¥320.00"}, now=NOON)

    assert [(m.to, m.body) for m in sms_outbox] == [("+8613800000001", "Linli: bill 2026-11, ¥320.00.")]
    assert mail.outbox[0].to == ["wang@example.com"] and mail.outbox[0].subject == "Bill 2026-11"
    assert set(Delivery.objects.values_list("channel", "status")) == {("sms", "sent"), ("email", "sent")}
    assert QuietHours.objects.get(user=world.resident).end == datetime.time(7, 0)


def test_quiet_hours_hold_back_sms_at_night_but_not_urgent_notices(world, sms_outbox):
    Preference.objects.create(user=world.resident, event="tests.bill", channel="sms", enabled=True)

    with django_capture_on_commit():
        notify([world.resident], "tests.bill", {"month": "2026-11", "amount": "1"}, now=NIGHT)
        notify([world.resident], "tests.outage", {"when": "tonight"}, now=NIGHT)

    assert [m.body for m in sms_outbox] == ["Linli: no water tonight."]
    skipped = Delivery.objects.get(event="tests.bill")
    assert (skipped.status, skipped.error) == ("skipped", "quiet hours")


def test_urgent_notices_ignore_a_resident_who_turned_sms_off(world, sms_outbox):
    Preference.objects.create(user=world.resident, event="tests.outage", channel="sms", enabled=False)
    with django_capture_on_commit():
        notify([world.resident], "tests.outage", {"when": "from 9:00"}, now=NOON)
    assert [m.to for m in sms_outbox] == ["+8613800000001"]


def test_turning_quiet_hours_off_lets_sms_through_at_night(client, world, sms_outbox):
    client.force_login(world.resident)
    client.post(reverse("notifications:preferences"), {"tests.bill:sms": "on"})
    with django_capture_on_commit():
        notify([world.resident], "tests.bill", {"month": "2026-11", "amount": "1"}, now=NIGHT)
    assert len(sms_outbox) == 1


def test_bad_quiet_hours_are_refused_with_the_rule_and_nothing_is_saved(client, world):
    client.force_login(world.resident)
    response = client.post(
        reverse("notifications:preferences"), {"tests.bill:sms": "on", "quiet_on": "1", "quiet_start": "late"}
    )
    assert response.status_code == 200
    assert "Quiet hours need a start and an end time" in response.content.decode()
    assert not Preference.objects.filter(user=world.resident).exists()


def django_capture_on_commit():
    """Run on_commit callbacks at the end of the block (tests run inside one transaction)."""
    from contextlib import contextmanager

    from django.db import connection

    @contextmanager
    def run():
        start = len(connection.run_on_commit)
        yield
        while len(connection.run_on_commit) > start:
            _sids, callback, _robust = connection.run_on_commit.pop(start)
            callback()

    return run()

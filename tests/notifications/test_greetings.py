"""Birthday greetings (daily, once a year per person) and holiday greetings, with preferences and quiet hours."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from notifications import campaigns, greetings
from notifications.models import Campaign, Delivery, Greeting, Notification, Preference, QuietHours
from notifications.services import save_preferences
from portal.people.models import ResidentMembership
from tests.factories import AccountFactory, ResidentMembershipFactory

from .test_centre import django_capture_on_commit

pytestmark = pytest.mark.django_db


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


BIRTHDAY = datetime.date(2026, 11, 20)
LONG_AGO = datetime.date(2000, 1, 1)


def birthday_campaign(world, **fields):
    campaign = Campaign.objects.create(
        office=world.north.office,
        kind=Campaign.Kind.BIRTHDAY,
        title="Happy birthday",
        message="Happy birthday, {name}! Your Green Garden office",
        by_sms=True,
        created_by=world.desk,
        **fields,
    )
    campaign = greetings.start_birthdays(campaign, by=world.desk)
    Campaign.objects.filter(pk=campaign.pk).update(send_on=LONG_AGO)  # the runs below are on fixed dates
    return campaign


def born(user, day=datetime.date(1980, 11, 20)):
    user.birth_date = day
    user.save(update_fields=["birth_date"])
    return user


def run(now):
    ResidentMembership.objects.update(start_date=LONG_AGO)
    with django_capture_on_commit():
        return greetings.send_birthday_greetings(now=now)


def test_a_resident_is_greeted_on_their_birthday_once_in_app_and_by_sms(world, sms_outbox):
    born(world.resident)
    campaign = birthday_campaign(world)

    assert run(at(BIRTHDAY, 9)) == 1
    assert run(at(BIRTHDAY, 10)) == 0
    assert run(at(BIRTHDAY, 20)) == 0

    note = Notification.objects.get(recipient=world.resident)
    assert note.title == "Happy birthday" and note.body == "Happy birthday, Wang Resident! Your Green Garden office"
    assert [(m.to, m.body) for m in sms_outbox] == [("+8613800000001", note.body)]
    assert not Notification.objects.filter(recipient=world.neighbour).exists()  # no birth date recorded
    campaign.refresh_from_db()
    assert campaign.status == "scheduled" and campaign.recipients == 1
    assert campaigns.counts(campaign)["sent"] == 1
    assert Greeting.objects.get().year == 2026


def test_the_greeting_comes_again_next_year_but_not_on_other_days(world, sms_outbox):
    born(world.resident)
    birthday_campaign(world)
    assert run(at(BIRTHDAY - datetime.timedelta(days=1), 9)) == 0
    assert run(at(BIRTHDAY, 9)) == 1
    assert run(at(datetime.date(2027, 11, 20), 9)) == 1
    assert sorted(Greeting.objects.values_list("year", flat=True)) == [2026, 2027]


def test_two_campaigns_covering_the_same_person_greet_them_once(world, sms_outbox):
    born(world.resident)
    birthday_campaign(world)
    birthday_campaign(world, building=world.north.building)
    assert run(at(BIRTHDAY, 9)) == 1
    assert Notification.objects.filter(recipient=world.resident).count() == 1 and len(sms_outbox) == 1


def test_a_birthday_campaign_reaches_only_its_office(world):
    south_resident = born(AccountFactory(full_name="Zhou South", phone="+8613800000077"))
    ResidentMembershipFactory(user=south_resident, unit=world.south.units[0])
    birthday_campaign(world)
    assert run(at(BIRTHDAY, 9)) == 0
    assert not Notification.objects.filter(recipient=south_resident).exists()


def test_the_sms_waits_for_the_end_of_quiet_hours(world, sms_outbox):
    born(world.resident)
    QuietHours.objects.create(user=world.resident, start=datetime.time(21), end=datetime.time(10))
    birthday_campaign(world)

    assert run(at(BIRTHDAY, 8)) == 0 and run(at(BIRTHDAY, 9)) == 0
    assert not Notification.objects.filter(recipient=world.resident).exists()
    assert run(at(BIRTHDAY, 10)) == 1
    assert [m.to for m in sms_outbox] == ["+8613800000001"]


def test_the_last_run_greets_in_app_and_keeps_the_sms_quiet(world, sms_outbox):
    born(world.resident)
    QuietHours.objects.create(user=world.resident, start=datetime.time(19), end=datetime.time(23))
    birthday_campaign(world)

    assert run(at(BIRTHDAY, 19)) == 0
    assert run(at(BIRTHDAY, 20)) == 1

    assert Notification.objects.filter(recipient=world.resident).count() == 1
    sms = Delivery.objects.get(recipient=world.resident, channel="sms")
    assert sms.status == "skipped" and sms.error == "quiet hours" and sms_outbox == []


def test_a_resident_who_turned_greeting_texts_off_gets_it_on_the_site_only(world, sms_outbox):
    born(world.resident)
    save_preferences(world.resident, {("notifications.greeting", "sms"): False}, quiet=None)
    birthday_campaign(world)
    assert run(at(BIRTHDAY, 9)) == 1
    assert Notification.objects.filter(recipient=world.resident).exists()
    assert not Delivery.objects.filter(recipient=world.resident).exists() and sms_outbox == []


def test_29_february_birthdays_are_greeted_on_the_28th_in_other_years(world):
    born(world.resident, datetime.date(1988, 2, 29))
    birthday_campaign(world)
    assert run(at(datetime.date(2027, 2, 28), 9)) == 1
    assert run(at(datetime.date(2028, 2, 28), 9)) == 0  # a leap year: their day is the 29th
    assert run(at(datetime.date(2028, 2, 29), 9)) == 1


def test_a_stopped_campaign_greets_nobody(world):
    born(world.resident)
    campaign = birthday_campaign(world)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CANCELLED)
    assert run(at(BIRTHDAY, 9)) == 0


def test_birthday_campaigns_are_started_not_sent_or_scheduled(world):
    campaign = Campaign.objects.create(
        office=world.north.office, kind=Campaign.Kind.BIRTHDAY, title="HB", message="HB", created_by=world.desk
    )
    with pytest.raises(ValidationError):
        campaigns.send_campaign(campaign, by=world.desk)
    with pytest.raises(ValidationError):
        campaigns.schedule(campaign, by=world.desk, on=timezone.localdate() + datetime.timedelta(days=3))
    greetings.start_birthdays(campaign, by=world.desk)
    born(world.resident, timezone.localdate())
    assert campaigns.send_due(today=timezone.localdate() + datetime.timedelta(days=1)) == 0
    assert not Notification.objects.exists()


def test_the_back_office_starts_birthday_greetings(client, world):
    campaign = Campaign.objects.create(
        office=world.north.office, kind=Campaign.Kind.BIRTHDAY, title="HB", message="HB {name}", created_by=world.desk
    )
    client.force_login(world.desk)
    page = client.get(reverse("notifications_campaign", args=[campaign.pk])).content.decode()
    assert "Start daily greetings" in page and "Send now" not in page

    client.post(reverse("notifications_campaign", args=[campaign.pk]), {"action": "start"})

    campaign.refresh_from_db()
    assert campaign.status == "scheduled" and campaign.send_on == timezone.localdate()
    page = client.get(reverse("notifications_campaign", args=[campaign.pk])).content.decode()
    assert "Running every day since" in page and "Stop birthday greetings" in page


def test_birthday_greetings_are_on_the_beat_schedule():
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    # A reused test database may have been flushed by transactional tests: apply the migration's step again
    # (it only creates what is missing).
    migration = importlib.import_module("notifications.migrations.0005_birthday_beat_schedule").Migration
    migration.operations[0].code(apps, None)
    task = PeriodicTask.objects.get(task="notifications.tasks.send_birthday_greetings")
    assert task.crontab.hour == "8-20" and task.crontab.minute == "0"


def test_a_holiday_greeting_respects_preferences_and_quiet_hours(world, sms_outbox):
    QuietHours.objects.create(user=world.neighbour, start=datetime.time(0), end=datetime.time(23, 59))  # now
    late_riser = world.neighbour
    opted_out = AccountFactory(full_name="Chen", phone="+8613800000009")
    ResidentMembershipFactory(user=opted_out, unit=world.north.units[0])
    Preference.objects.create(user=opted_out, event="notifications.greeting", channel="sms", enabled=False)
    campaign = Campaign.objects.create(
        office=world.north.office,
        kind=Campaign.Kind.HOLIDAY,
        title="Mid-Autumn",
        message="Happy Mid-Autumn Festival, {name}!",
        by_sms=True,
        created_by=world.desk,
    )
    QuietHours.objects.create(user=world.resident, enabled=False, start=datetime.time(22), end=datetime.time(8))

    with django_capture_on_commit():
        campaigns.send_campaign(campaign, by=world.desk)

    assert Notification.objects.filter(title="Mid-Autumn").count() == 3
    assert Notification.objects.get(recipient=world.resident).body == "Happy Mid-Autumn Festival, Wang Resident!"
    assert [m.to for m in sms_outbox] == ["+8613800000001"]
    quiet = Delivery.objects.get(recipient=late_riser)
    assert quiet.status == "skipped" and quiet.error == "quiet hours"
    assert not Delivery.objects.filter(recipient=opted_out).exists()
    from notifications import sms

    assert sms.quota_left(world.desk) == 2000 - 1  # only the SMS that went counts against the quota


# --- the birth date on the resident's profile page -------------------------------------------------


def test_a_resident_records_their_birth_date_on_their_profile(client, world):
    client.force_login(world.resident)
    page = client.get(reverse("profile"))
    assert page.status_code == 200 and 'type="date"' in page.content.decode()

    response = client.post(
        reverse("profile"), {"full_name": "Wang Resident", "preferred_language": "en", "birth_date": "1980-11-20"}
    )

    assert response.status_code == 302
    world.resident.refresh_from_db()
    assert world.resident.birth_date == datetime.date(1980, 11, 20)


def test_the_birth_date_is_optional_and_cannot_be_in_the_future(client, world):
    born(world.resident)
    client.force_login(world.resident)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    data = {"full_name": "Wang Resident", "preferred_language": "en"}

    refused = client.post(reverse("profile"), {**data, "birth_date": tomorrow})
    assert refused.status_code == 400 and "cannot be in the future" in refused.content.decode()
    world.resident.refresh_from_db()
    assert world.resident.birth_date == datetime.date(1980, 11, 20)  # nothing lost

    assert client.post(reverse("profile"), {**data, "birth_date": ""}).status_code == 302
    world.resident.refresh_from_db()
    assert world.resident.birth_date is None

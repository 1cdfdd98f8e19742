"""Registers the birthday greetings with celery beat: hourly from 08:00 to 20:00 local time."""

from django.db import migrations

from portal.migration_ops import BEAT_DEPENDENCY, BeatTask, beat_schedule


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_greetings_chat_thumbnail"),
        BEAT_DEPENDENCY,
    ]

    operations = [
        beat_schedule(
            BeatTask(
                "Campaigns: birthday greetings",
                "notifications.tasks.send_birthday_greetings",
                "Greets residents on their birthday (once a year each, outside their quiet hours).",
                crontab={"minute": "0", "hour": "8-20"},
            )
        )
    ]

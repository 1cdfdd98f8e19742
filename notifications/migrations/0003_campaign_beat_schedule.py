"""Registers the morning run of scheduled campaigns (holiday greetings...) with celery beat at 08:00 local time."""

from django.db import migrations

from portal.migration_ops import BEAT_DEPENDENCY, BeatTask, beat_schedule


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_smsoptout_campaign_conversation_chatpresence_and_more"),
        BEAT_DEPENDENCY,
    ]

    operations = [
        beat_schedule(
            BeatTask(
                "Campaigns: send the scheduled ones",
                "notifications.tasks.send_due_campaigns",
                "Sends every scheduled campaign whose day has come (holiday greetings, planned notices).",
                crontab={"minute": "0", "hour": "8"},
            )
        )
    ]

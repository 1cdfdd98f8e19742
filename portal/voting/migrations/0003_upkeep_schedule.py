"""Registers the hourly upkeep of owners' meetings with celery beat (close due meetings, daily reminders)."""

from django.db import migrations

from portal.migration_ops import BEAT_DEPENDENCY, BeatTask, beat_schedule


class Migration(migrations.Migration):
    dependencies = [("voting", "0002_audit_append_only_trigger"), BEAT_DEPENDENCY]

    operations = [
        beat_schedule(
            BeatTask(
                "Owners' meetings: close and remind",
                "portal.voting.tasks.voting_upkeep",
                "Closes owners' meetings whose voting window has ended; at 10:00 reminds owners who have "
                "not voted on meetings closing within two days.",
                crontab={"minute": "5"},
            )
        )
    ]

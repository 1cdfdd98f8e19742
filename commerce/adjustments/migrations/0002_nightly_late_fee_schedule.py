"""Registers the nightly late-fee accrual with celery beat (DatabaseScheduler) at 01:30 local time.

A data migration, so every database that is migrated has the schedule without a separate step.
"""

from django.db import migrations

from portal.migration_ops import BEAT_DEPENDENCY, BeatTask, beat_schedule

TASK_NAME = "Late fees: nightly accrual"
TASK = "commerce.adjustments.tasks.accrue_late_fees"


class Migration(migrations.Migration):
    dependencies = [("adjustments", "0001_initial"), BEAT_DEPENDENCY]

    operations = [
        beat_schedule(
            BeatTask(
                TASK_NAME,
                TASK,
                "Charges the day's late fees of every office with a late-fee policy; catches up missed days.",
                crontab={"minute": "30", "hour": "1"},
            )
        )
    ]

"""Work-order history and return visits are append-only in the database too, and beat escalates hourly."""

from django.db import migrations

from portal.migration_ops import BEAT_DEPENDENCY, BeatTask, append_only, beat_schedule


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial"), BEAT_DEPENDENCY]

    operations = [
        append_only(
            function="workorders_history_is_append_only",
            message="work-order history is append-only",
            tables=["workorders_workorderevent", "workorders_returnvisit"],
        ),
        beat_schedule(
            BeatTask(
                "Work orders: escalate old public-area repairs",
                "portal.workorders.tasks.escalate_public_repairs",
                "Escalates public-area repairs open longer than the office's limit (15 days) to the manager.",
                crontab={"minute": "15"},
            )
        ),
    ]

"""Registers the daily control report with celery beat at 07:30 local time (Asia/Shanghai by default)."""

from django.db import migrations

from portal.migration_ops import BEAT_DEPENDENCY, BeatTask, beat_schedule


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_initial"),
        BEAT_DEPENDENCY,
    ]

    operations = [
        beat_schedule(
            BeatTask(
                "Dashboards: email the daily control report",
                "portal.dashboards.tasks.send_daily_reports",
                "Emails yesterday's control report (集中管控日报) to office managers and headquarters.",
                crontab={"minute": "30", "hour": "7"},
            )
        )
    ]

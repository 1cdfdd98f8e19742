"""Registers the expiry of unpaid online service orders with celery beat (every 10 minutes)."""

from django.db import migrations

from portal.migration_ops import BEAT_DEPENDENCY, BeatTask, beat_schedule


class Migration(migrations.Migration):
    dependencies = [("services_catalog", "0002_append_only_history"), BEAT_DEPENDENCY]

    operations = [
        beat_schedule(
            BeatTask(
                "Special services: cancel unpaid online orders",
                "services_catalog.tasks.expire_unpaid_orders",
                "Cancels online service orders left unpaid for 30 minutes, so their time slots go back on sale.",
                every_minutes=10,
            )
        )
    ]

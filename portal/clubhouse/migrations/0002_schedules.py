"""Registers the clubhouse's periodic tasks with celery beat: reminders every hour at :05 and the release of
unpaid online bookings every ten minutes."""

from django.db import migrations

from portal.migration_ops import BEAT_DEPENDENCY, BeatTask, beat_schedule


class Migration(migrations.Migration):
    dependencies = [("clubhouse", "0001_initial"), BEAT_DEPENDENCY]

    operations = [
        beat_schedule(
            BeatTask(
                "Clubhouse: booking reminders",
                "portal.clubhouse.tasks.send_booking_reminders",
                "Reminds households of confirmed bookings starting within a day (once per booking).",
                crontab={"minute": "5"},
            ),
            BeatTask(
                "Clubhouse: release unpaid bookings",
                "portal.clubhouse.tasks.release_unpaid_bookings",
                "Cancels online bookings not paid within CLUBHOUSE_PAYMENT_MINUTES so the places go to others.",
                crontab={"minute": "*/10"},
            ),
        )
    ]

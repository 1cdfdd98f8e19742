"""Registers the clubhouse's periodic tasks with celery beat: reminders every hour at :05 and the release of
unpaid online bookings every ten minutes. Creates only what is missing."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TASKS = [
    (
        "Clubhouse: booking reminders",
        "portal.clubhouse.tasks.send_booking_reminders",
        {"minute": "5", "hour": "*"},
        "Reminds households of confirmed bookings starting within a day (once per booking).",
    ),
    (
        "Clubhouse: release unpaid bookings",
        "portal.clubhouse.tasks.release_unpaid_bookings",
        {"minute": "*/10", "hour": "*"},
        "Cancels online bookings not paid within CLUBHOUSE_PAYMENT_MINUTES so the places go to others.",
    ),
]


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, when, description in TASKS:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        crontab, _created = CrontabSchedule.objects.get_or_create(
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=getattr(settings, "CELERY_TIMEZONE", None) or settings.TIME_ZONE,
            **when,
        )
        PeriodicTask.objects.create(name=name, task=task, crontab=crontab, description=description)
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clubhouse", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]

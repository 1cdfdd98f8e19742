"""Registers the marketplace's celery beat tasks (DatabaseScheduler): deciding group buys past their
deadline every five minutes, and releasing the stock of orders left unpaid every ten minutes.

Only creates what is missing: an interval or enabled flag changed in the back office is left alone.
"""

from django.db import migrations
from django.utils import timezone

SCHEDULES = [
    ("Marketplace: decide group buys at their deadline", "commerce.marketplace.tasks.decide_due_group_buys", 5,
     "Each open group buy past its deadline goes ahead or is cancelled with every payment refunded."),
    ("Marketplace: expire unpaid orders", "commerce.marketplace.tasks.expire_unpaid_orders", 10,
     "Orders left unpaid for 30 minutes are cancelled and their stock returns to the shelf."),
]


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, minutes, description in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        interval, _created = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.create(name=name, task=task, interval=interval, description=description)
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]

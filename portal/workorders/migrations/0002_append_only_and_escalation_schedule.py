"""Work-order history and return visits are append-only in the database too, and beat escalates hourly.

The schedule is created only when missing: a time or an enabled flag changed in the back office is left alone.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TABLES = ["workorders_workorderevent", "workorders_returnvisit"]
TASK_NAME = "Work orders: escalate old public-area repairs"
TASK = "portal.workorders.tasks.escalate_public_repairs"


def forbid(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            """
            CREATE OR REPLACE FUNCTION workorders_history_is_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'work-order history is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update_or_delete BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION workorders_history_is_append_only()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'work-order history is append-only'); END;"
            )


def allow(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_or_delete ON {table}")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS workorders_history_is_append_only()")


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=TASK_NAME).exists():
        return
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="15",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=getattr(settings, "CELERY_TIMEZONE", None) or settings.TIME_ZONE,
    )
    PeriodicTask.objects.create(
        name=TASK_NAME,
        task=TASK,
        crontab=crontab,
        description="Escalates public-area repairs open longer than the office's limit (15 days) to the manager.",
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(forbid, allow),
        migrations.RunPython(create_schedule, remove_schedule),
    ]

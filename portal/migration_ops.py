"""Operations that several apps' migrations share: append-only tables and celery beat schedules.

Migrations import these by name, so their behaviour must stay as it is: change a helper only in a way
that every migration already applied would also have done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import migrations
from django.utils import timezone

# --- append-only tables -----------------------------------------------------------------------------


def append_only(*, function: str, message: str, tables: list[str | tuple[str, str]]) -> migrations.RunPython:
    """Refuse UPDATE and DELETE of the tables' rows in the database, whatever path writes to it.

    PostgreSQL: one trigger function ``function()`` raising ``message``, a trigger ``<stem>_no_update_or_delete``
    per table. SQLite refuses updates only (trigger ``<stem>_no_update``): Django's flush between transactional
    tests empties tables with DELETE. Each table is a name, or (name, trigger stem) when the stem differs.
    """
    pairs = [(table, table) if isinstance(table, str) else table for table in tables]

    def forbid(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            # One statement per execute() call: the function body holds semicolons.
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql"
            )
            for table, stem in pairs:
                schema_editor.execute(
                    f"CREATE TRIGGER {stem}_no_update_or_delete BEFORE UPDATE OR DELETE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {function}()"
                )
        elif vendor == "sqlite":
            for table, stem in pairs:
                schema_editor.execute(
                    f"CREATE TRIGGER {stem}_no_update BEFORE UPDATE ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
                )

    def allow(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for table, stem in pairs:
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {stem}_no_update_or_delete ON {table}")
            elif vendor == "sqlite":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {stem}_no_update")
        if vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}()")

    return migrations.RunPython(forbid, allow)


# --- celery beat ------------------------------------------------------------------------------------

BEAT_DEPENDENCY = ("django_celery_beat", "0019_alter_periodictasks_options")


@dataclass(frozen=True)
class BeatTask:
    name: str
    task: str
    description: str
    crontab: dict = field(default_factory=dict)  # e.g. {"minute": "30", "hour": "1"}; the rest is "*"
    every_minutes: int | None = None  # instead of a crontab


def beat_schedule(*tasks: BeatTask) -> migrations.RunPython:
    """Register periodic tasks with django-celery-beat's DatabaseScheduler.

    Only what is missing is created, so a time or an enabled flag changed in the back office is left alone.
    """

    def create(apps, schema_editor):
        CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
        for spec in tasks:
            if PeriodicTask.objects.filter(name=spec.name).exists():
                continue
            when = {}
            if spec.every_minutes:
                when["interval"], _ = IntervalSchedule.objects.get_or_create(every=spec.every_minutes, period="minutes")
            else:
                when["crontab"], _ = CrontabSchedule.objects.get_or_create(
                    **{
                        "minute": "*",
                        "hour": "*",
                        "day_of_week": "*",
                        "day_of_month": "*",
                        "month_of_year": "*",
                        **spec.crontab,
                    },  # fmt: skip
                    timezone=getattr(settings, "CELERY_TIMEZONE", None) or settings.TIME_ZONE,
                )
            PeriodicTask.objects.create(name=spec.name, task=spec.task, description=spec.description, **when)
        # Historical models send no signals: tell a running beat that its schedule changed.
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})

    def remove(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[t.name for t in tasks]).delete()

    return migrations.RunPython(create, remove)

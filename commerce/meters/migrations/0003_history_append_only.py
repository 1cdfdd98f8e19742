"""Reading corrections, usage corrections and meter replacements are history: never edited nor deleted,
whatever path writes to the database."""

from django.db import migrations

from portal.migration_ops import append_only


class Migration(migrations.Migration):
    dependencies = [("meters", "0002_corrections_replacements")]
    operations = [
        append_only(
            function="meters_history_is_append_only",
            message="meter corrections and replacements are append-only",
            tables=["meters_readingcorrection", "meters_usagecorrection", "meters_meterreplacement"],
        )
    ]

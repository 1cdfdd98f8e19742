from django.db import migrations

# Reading corrections, usage corrections and meter replacements are history: never edited nor deleted,
# whatever path writes to the database. One statement per execute() call: the function body holds semicolons.
TABLES = ["meters_readingcorrection", "meters_usagecorrection", "meters_meterreplacement"]

FORBID_SQL = [
    """
    CREATE OR REPLACE FUNCTION meters_history_is_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'meter corrections and replacements are append-only';
    END;
    $$ LANGUAGE plpgsql
    """,
    *(
        f"""
        CREATE TRIGGER {table}_no_update_or_delete
            BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION meters_history_is_append_only()
        """
        for table in TABLES
    ),
]

DROP_SQL = [
    *(f"DROP TRIGGER IF EXISTS {table}_no_update_or_delete ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS meters_history_is_append_only()",
]


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORBID_SQL:
            schema_editor.execute(statement)
    elif schema_editor.connection.vendor == "sqlite":
        # SQLite refuses edits only: Django's flush (transactional tests) empties tables with DELETE.
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'meter corrections and replacements are append-only'); END;"
            )


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP_SQL:
            schema_editor.execute(statement)
    elif schema_editor.connection.vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")


class Migration(migrations.Migration):
    dependencies = [("meters", "0002_corrections_replacements")]
    operations = [migrations.RunPython(forbid, allow)]

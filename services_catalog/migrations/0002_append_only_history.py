"""Service-order history is append-only in the database too (PostgreSQL: no update or delete; SQLite: no update)."""

from django.db import migrations

TABLE = "services_catalog_serviceorderevent"


def forbid(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            """
            CREATE OR REPLACE FUNCTION services_history_is_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'service-order history is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_update_or_delete BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION services_history_is_append_only()"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'service-order history is append-only'); END;"
        )


def allow(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update_or_delete ON {TABLE}")
        schema_editor.execute("DROP FUNCTION IF EXISTS services_history_is_append_only()")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")


class Migration(migrations.Migration):
    dependencies = [("services_catalog", "0001_initial")]

    operations = [migrations.RunPython(forbid, allow)]

from django.db import migrations

# One statement per execute() call: the function body holds semicolons, and drivers differ on
# whether they accept several statements at once.
FORBID_SQL = [
    """
    CREATE OR REPLACE FUNCTION audit_entry_is_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit entries are append-only';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_entry_no_update_or_delete
        BEFORE UPDATE OR DELETE ON audit_auditentry
        FOR EACH ROW EXECUTE FUNCTION audit_entry_is_append_only()
    """,
]

DROP_SQL = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update_or_delete ON audit_auditentry",
    "DROP FUNCTION IF EXISTS audit_entry_is_append_only()",
]


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORBID_SQL:
            schema_editor.execute(statement)
    elif schema_editor.connection.vendor == "sqlite":
        # SQLite (development and the demo) refuses edits only: Django's flush, used by transactional
        # tests, empties tables with DELETE, which a delete trigger would block. PostgreSQL refuses both.
        schema_editor.execute(
            "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry "
            "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;"
        )


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP_SQL:
            schema_editor.execute(statement)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]
    operations = [migrations.RunPython(forbid, allow)]

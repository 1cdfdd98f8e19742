from django.db import migrations

# The voting audit chain is append-only in the database too (the ORM refuses already). A database
# administrator could still disable the trigger: that is what the hash chain and the verifier are for.
FORBID_SQL = [
    """
    CREATE OR REPLACE FUNCTION voting_audit_is_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'voting audit entries are append-only';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER voting_audit_no_update_or_delete
        BEFORE UPDATE OR DELETE ON voting_auditentry
        FOR EACH ROW EXECUTE FUNCTION voting_audit_is_append_only()
    """,
]


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORBID_SQL:
            schema_editor.execute(statement)
    elif schema_editor.connection.vendor == "sqlite":
        # Updates only: Django's flush (transactional tests) empties tables with DELETE.
        schema_editor.execute(
            "CREATE TRIGGER voting_audit_no_update BEFORE UPDATE ON voting_auditentry "
            "BEGIN SELECT RAISE(ABORT, 'voting audit entries are append-only'); END;"
        )


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS voting_audit_no_update_or_delete ON voting_auditentry")
        schema_editor.execute("DROP FUNCTION IF EXISTS voting_audit_is_append_only()")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS voting_audit_no_update")


class Migration(migrations.Migration):
    dependencies = [("voting", "0001_initial")]
    operations = [migrations.RunPython(forbid, allow)]

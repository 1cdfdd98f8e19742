"""The voting audit chain is append-only in the database too (the ORM refuses already). A database
administrator could still disable the trigger: that is what the hash chain and the verifier are for."""

from django.db import migrations

from portal.migration_ops import append_only


class Migration(migrations.Migration):
    dependencies = [("voting", "0001_initial")]
    operations = [
        append_only(
            function="voting_audit_is_append_only",
            message="voting audit entries are append-only",
            tables=[("voting_auditentry", "voting_audit")],
        )
    ]

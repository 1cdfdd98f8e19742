"""Postings and entries are never edited nor deleted, whatever path writes to the database."""

from django.db import migrations

from portal.migration_ops import append_only


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [
        append_only(
            function="ledger_is_append_only",
            message="ledger postings and entries are append-only",
            tables=["ledger_posting", "ledger_entry"],
        )
    ]

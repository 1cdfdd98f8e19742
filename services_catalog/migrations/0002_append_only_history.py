"""Service-order history is append-only in the database too (PostgreSQL: no update or delete; SQLite: no update)."""

from django.db import migrations

from portal.migration_ops import append_only


class Migration(migrations.Migration):
    dependencies = [("services_catalog", "0001_initial")]

    operations = [
        append_only(
            function="services_history_is_append_only",
            message="service-order history is append-only",
            tables=["services_catalog_serviceorderevent"],
        )
    ]

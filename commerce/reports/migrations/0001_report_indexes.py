"""Indexes the reports need on other apps' tables, as plain SQL that PostgreSQL and SQLite both take.

- issued bills of an office by month: the collection rate of a range of months without reading every month's bills;
- succeeded payments of an office by time: the daily cash report;
- postings of an office by time: the voucher export.
"""

from django.db import migrations

INDEXES = {
    "reports_bill_issued_period": "billing_bill (office_id, period_start) WHERE status = 'issued'",
    "reports_payment_office_paid": "payments_payment (office_id, succeeded_at) WHERE status = 'succeeded'",
    "reports_posting_office_time": "ledger_posting (office_id, created_at)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0004_bill_office_required"),
        ("payments", "0001_initial"),
        ("ledger", "0002_append_only_trigger"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE INDEX IF NOT EXISTS {name} ON {target}", f"DROP INDEX IF EXISTS {name}")
        for name, target in INDEXES.items()
    ]

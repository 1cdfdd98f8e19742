"""Per-merchant payable accounts: move what is still owed from the company-wide merchant payable.

Until now every paid order credited one "Merchant payable" account per company. For each such split
that is still owed (not reversed by a cancellation, not already paid out by a settlement) this posts
a transfer ``market:order:<id>:split:moved`` from the company-wide account to the merchant's own
account, so the company-wide account ends at zero and each merchant's account holds what it is owed.
Postings are append-only, so nothing is rewritten; a later cancellation reverses the transfer too.
"""

from django.db import migrations

KEY_PREFIX = "market:order:"


def move(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    Posting = apps.get_model("ledger", "Posting")
    Entry = apps.get_model("ledger", "Entry")
    Order = apps.get_model("marketplace", "Order")
    shared = Account.objects.filter(kind="merchant_payable", charge_code="", unit__isnull=True, office__isnull=True)
    for account in shared:
        entries = Entry.objects.filter(
            account=account,
            posting__idempotency_key__startswith=KEY_PREFIX,
            posting__idempotency_key__endswith=":split",
        ).select_related("posting")
        for entry in entries:
            split = entry.posting
            if Posting.objects.filter(idempotency_key__in=[f"{split.idempotency_key}:reversal"]).exists():
                continue
            if Posting.objects.filter(idempotency_key=f"{split.idempotency_key}:moved").exists():
                continue
            order_id = int(split.idempotency_key[len(KEY_PREFIX) : -len(":split")])
            order = Order.objects.select_related("merchant", "settlement").filter(pk=order_id).first()
            if order is None or (order.settlement_id and order.settlement.paid_at):
                continue
            own, _created = Account.objects.get_or_create(
                company_id=account.company_id,
                kind="merchant_payable",
                charge_code=f"merchant:{order.merchant_id}",
                office=None,
                unit=None,
                defaults={"currency": account.currency, "name": f"Merchant payable: {order.merchant.name}"[:200]},
            )
            owed = -entry.amount
            moved = Posting.objects.create(
                idempotency_key=f"{split.idempotency_key}:moved",
                company_id=account.company_id,
                office_id=split.office_id,
                kind="market_payable_move",
                memo=f"Order M{order_id:06d}: payable moved to {order.merchant.name}"[:300],
            )
            Entry.objects.create(posting=moved, account=account, amount=owed, currency=account.currency)
            Entry.objects.create(posting=moved, account=own, amount=-owed, currency=account.currency)


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0002_beat_schedules"), ("ledger", "0004_merchant_payable_per_merchant")]

    operations = [migrations.RunPython(move, migrations.RunPython.noop)]

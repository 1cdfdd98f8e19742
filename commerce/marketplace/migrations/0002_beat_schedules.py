"""Registers the marketplace's celery beat tasks: deciding group buys past their deadline every five
minutes, and releasing the stock of orders left unpaid every ten minutes."""

from django.db import migrations

from portal.migration_ops import BEAT_DEPENDENCY, BeatTask, beat_schedule


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial"), BEAT_DEPENDENCY]

    operations = [
        beat_schedule(
            BeatTask(
                "Marketplace: decide group buys at their deadline",
                "commerce.marketplace.tasks.decide_due_group_buys",
                "Each open group buy past its deadline goes ahead or is cancelled with every payment refunded.",
                every_minutes=5,
            ),
            BeatTask(
                "Marketplace: expire unpaid orders",
                "commerce.marketplace.tasks.expire_unpaid_orders",
                "Orders left unpaid for 30 minutes are cancelled and their stock returns to the shelf.",
                every_minutes=10,
            ),
        )
    ]

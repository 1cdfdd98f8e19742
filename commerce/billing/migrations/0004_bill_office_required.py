# The office is filled from each bill's run in 0003; made required in its own migration (own transaction),
# so PostgreSQL has no pending deferred-constraint events when the column is altered.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_one_off_bills"),
    ]

    operations = [
        migrations.AlterField(
            model_name="bill",
            name="office",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="bills",
                to="properties.office",
                verbose_name="office",
            ),
        ),
    ]

"""Meeting and Survey take their voting window from the abstract ``VotingWindow``: labels only, no schema change."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("voting", "0005_elections")]

    operations = [
        migrations.AlterField(
            model_name="meeting", name="closes_at", field=models.DateTimeField(verbose_name="closes")
        ),
        migrations.AlterField(model_name="meeting", name="opens_at", field=models.DateTimeField(verbose_name="opens")),
    ]

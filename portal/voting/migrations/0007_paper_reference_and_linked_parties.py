"""Paper ballots carry their sheet number (entered once per motion); the roll explains linked owner parties."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("voting", "0006_voting_window_base")]

    operations = [
        migrations.AddField(
            model_name="paperentry",
            name="reference",
            field=models.CharField(
                blank=True,
                help_text="The number printed on the paper ballot sheet, to find the original behind its scan.",
                max_length=60,
                verbose_name="paper ballot number",
            ),
        ),
        migrations.AddField(
            model_name="rollparty",
            name="detail",
            field=models.CharField(
                blank=True,
                help_text="For a party of several units or owners: each unit with its owners, as frozen on the roll.",
                max_length=1000,
                verbose_name="why grouped",
            ),
        ),
        migrations.AlterField(
            model_name="rollparty",
            name="reason",
            field=models.CharField(
                choices=[
                    ("single", "One owner, one unit"),
                    ("multi_unit", "One owner of several units: counts once, areas added"),
                    ("co_owned", "Co-owners of one unit: count once"),
                    ("co_owned_multi", "The same co-owners of several units: count once, areas added"),
                    ("linked", "Several units sharing an owner (their co-owners differ): count once, areas added"),
                    ("developer", "All unsold units of the developer: count once, areas added"),
                    ("no_owner", "Sold unit with no owner registered here: counts once, paper ballot only"),
                ],
                max_length=20,
                verbose_name="counted as",
            ),
        ),
        migrations.AddConstraint(
            model_name="paperentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    models.Q(("status", "rejected"), _negated=True), models.Q(("reference", ""), _negated=True)
                ),
                fields=("motion", "reference"),
                name="voting_paper_sheet_once",
            ),
        ),
    ]

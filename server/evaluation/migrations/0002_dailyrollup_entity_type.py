"""DailyRollup.kind becomes DailyRollup.entity_type (supervisor, acceptor, ..., department,
cell): the type of the evaluated ``entity``, not the domain's kind (component or event). Rows
kept; the evaluation API and pages still take ``?kind=``.

Renaming the column carries its index and unique constraint along in the database (PostgreSQL
and SQLite alike), but Django's migration state would still list the old field name in both:
the state is corrected without touching the database (no rebuild of the evaluation's biggest
table), then the index gets the new name."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="dailyrollup", old_name="kind", new_name="entity_type"),
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveIndex(model_name="dailyrollup", name="rollup_kind_day"),
            migrations.AddIndex(model_name="dailyrollup", index=models.Index(
                fields=["entity_type", "day"], name="rollup_kind_day")),
            migrations.RemoveConstraint(model_name="dailyrollup",
                                        name="rollup_one_row_per_day_and_entity"),
            migrations.AddConstraint(model_name="dailyrollup", constraint=models.UniqueConstraint(
                fields=("day", "entity_type", "entity"), name="rollup_one_row_per_day_and_entity")),
        ]),
        migrations.RenameIndex(model_name="dailyrollup", new_name="rollup_entity_type_day",
                               old_name="rollup_kind_day"),
    ]

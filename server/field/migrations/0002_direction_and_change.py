"""Attendance.kind becomes Attendance.direction (in / out) and ComponentUpdate.kind becomes
ComponentUpdate.change (damaged, missing, removed, added): neither is the domain's kind
(component or event). Columns renamed, values kept; the API still calls both ``kind``."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("field", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="attendance", old_name="kind", new_name="direction"),
        migrations.RenameField(model_name="componentupdate", old_name="kind", new_name="change"),
    ]

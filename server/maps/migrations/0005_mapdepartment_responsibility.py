"""MapDepartment.kind becomes MapDepartment.responsibility, as ``accounts.Department``'s does
(owner, maintainer, territory, enforcement). Column renamed, values kept; map files still call
it ``kind``."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("maps", "0004_map_departments"),
    ]

    operations = [
        migrations.RenameField(model_name="mapdepartment", old_name="kind",
                               new_name="responsibility"),
    ]

"""Department.kind becomes Department.responsibility (owner, maintainer, territory,
enforcement): on what ground it answers for a case, not the domain's kind (component or
event). Column renamed, values kept; the departments API still calls it ``kind``."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_authaudit_auth_event"),
        # maps 0004 copies Department.kind into MapDepartment: it must run on the old name.
        ("maps", "0004_map_departments"),
    ]

    operations = [
        migrations.RenameField(model_name="department", old_name="kind",
                               new_name="responsibility"),
    ]

"""Load the shipped filing conditions and create the system user (timer events are its acts)."""

from django.db import migrations


def forward(apps, schema_editor):
    from server.cases.reference import sync_filing_conditions

    sync_filing_conditions(apps.get_model("cases", "FilingCondition"))
    User = apps.get_model("accounts", "User")
    if not User.objects.filter(username="system").exists():
        # "!" + anything is Django's unusable password: the system user can never log in.
        User.objects.create(username="system", role="system", password="!system-never-logs-in",
                            first_name="系统", last_name="System")


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_snapshot_fields"), ("accounts", "0002_roles_and_territory")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

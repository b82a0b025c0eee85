"""AuthAudit.kind becomes AuthAudit.auth_event (login, login_failed, denied, revoked): what
happened, not the domain's kind (component or event). Column renamed, values kept."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_department_active"),
    ]

    operations = [
        migrations.RenameField(model_name="authaudit", old_name="kind", new_name="auth_event"),
    ]

"""API tokens hashed at rest with an expiry (ApiToken), login backoff shared by all workers
(LoginThrottle), folded anonymous refusals (AuthAudit.count).

DRF's authtoken table kept every token in plain text: it is dropped with its tokens. Users keep
their passwords; each handset signs in again once (it is answered 401 and asks for it)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_department_responsibility'),
    ]

    operations = [
        migrations.CreateModel(
            name='LoginThrottle',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=64, unique=True)),
                ('failures', models.PositiveIntegerField(default=0)),
                ('last_failure', models.DateTimeField(db_index=True)),
                ('blocked_until', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name='authaudit',
            name='count',
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(max_length=64, unique=True)),
                ('created', models.DateTimeField()),
                ('last_used', models.DateTimeField(db_index=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created'],
            },
        ),
        # rest_framework.authtoken is no longer installed; its table, if an older version
        # created it, holds usable plain-text keys. Portable DDL (PostgreSQL and SQLite).
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
    ]

import server.cases.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0008_voice_notes'),
    ]

    operations = [
        migrations.CreateModel(
            name='NodeLimitOverride',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('node', models.CharField(choices=server.cases.models.node_choices, max_length=32, unique=True)),
                ('value', models.FloatField(help_text='a positive number of the unit')),
                ('unit', models.CharField(choices=[('work_hours', '工作时 working hours'), ('work_days', '工作日 working days'), ('natural_hours', '自然时 natural hours'), ('natural_minutes', '自然分钟 natural minutes')], max_length=16)),
                ('note', models.CharField(blank=True, max_length=200)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['node'],
            },
        ),
    ]

"""Filing conditions get an English name: the shipped table's, for the conditions whose Chinese
name is still the shipped one."""

from django.db import migrations, models


def forward(apps, schema_editor):
    from server.cases.reference import name_conditions_in_english

    name_conditions_in_english(apps.get_model("cases", "FilingCondition"))


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0016_case_urges_acknowledged'),
    ]

    operations = [
        migrations.AddField(
            model_name='filingcondition',
            name='name_en',
            field=models.CharField(blank=True, help_text='the name in English', max_length=200),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]

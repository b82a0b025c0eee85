import django.db.models.deletion
from django.db import migrations, models


def list_departments(apps, schema_editor):
    """Give every stored version its department list: the codes its summary names (every
    live department for a version stored before summaries named them), with the names the
    live table has now, which is what the active version shows."""
    MapVersion = apps.get_model("maps", "MapVersion")
    MapDepartment = apps.get_model("maps", "MapDepartment")
    Department = apps.get_model("accounts", "Department")
    live = {d.code: d for d in Department.objects.order_by("code")}
    rows = []
    for version in MapVersion.objects.order_by("pk"):
        codes = (version.summary or {}).get("departments")
        for code in (live if codes is None else codes):
            d = live.get(code)
            if d is not None:
                rows.append(MapDepartment(version_id=version.pk, code=d.code, name=d.name, kind=d.kind,
                                          street_code=d.street_code))
    MapDepartment.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('maps', '0003_component_component_version_cell'),
        ('accounts', '0005_department_active'),
    ]

    operations = [
        migrations.CreateModel(
            name='MapDepartment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=32)),
                ('name', models.CharField(max_length=100)),
                ('kind', models.CharField(max_length=16)),
                ('street_code', models.CharField(blank=True, max_length=9)),
                ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='departments', to='maps.mapversion')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('version', 'code'), name='map_department_code')],
            },
        ),
        migrations.RunPython(list_departments, migrations.RunPython.noop),
    ]

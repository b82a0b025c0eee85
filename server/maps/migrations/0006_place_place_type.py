"""Place.kind becomes Place.place_type (road, alley, compound, door_plate, poi): the kind of
gazetteer entry, not the domain's kind (component or event). Column renamed, values kept; map
files and the hotline's place API still call it ``kind``."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("maps", "0005_mapdepartment_responsibility"),
    ]

    operations = [
        migrations.RenameField(model_name="place", old_name="kind", new_name="place_type"),
    ]

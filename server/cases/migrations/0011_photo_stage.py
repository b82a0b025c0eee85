"""Photo.kind becomes Photo.stage (before, after, check, verify, self): the case's own kind is
component or event, and the photo's is the step it was taken at. The column is renamed, its
values kept; the API still calls it ``kind``."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0010_photo_cleaned_action"),
    ]

    operations = [
        migrations.RenameField(model_name="photo", old_name="kind", new_name="stage"),
    ]

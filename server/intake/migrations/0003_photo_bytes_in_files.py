"""A waiting photo's bytes move from a database column to a file (``raw``).

Rows still pending keep their bytes: each is written to a file before the column goes.
"""

from django.core.files.base import ContentFile
from django.db import migrations, models


def to_files(apps, schema_editor):
    upload_model = apps.get_model("intake", "PhotoUpload")
    for row in upload_model.objects.exclude(data=None).iterator():
        row.raw.save(f"photo{row.photo_id}-{row.source_sha256[:12]}.raw",
                     ContentFile(bytes(row.data)), save=False)
        row.save(update_fields=["raw"])


def to_column(apps, schema_editor):
    upload_model = apps.get_model("intake", "PhotoUpload")
    for row in upload_model.objects.exclude(raw="").iterator():
        with row.raw.open("rb") as f:
            row.data = f.read()
        row.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("intake", "0002_photo_bytes_uncompressed")]
    operations = [
        migrations.AddField("photoupload", "raw",
                            models.FileField(blank=True, upload_to="uploads/%Y/%m/%d/")),
        migrations.RunPython(to_files, to_column),
        migrations.RemoveField("photoupload", "data"),
    ]

"""Store the raw photo bytes without PostgreSQL's compression.

A JPEG does not compress: PostgreSQL's TOAST tried pglz on every 60 KB photo in the report's
transaction (CPU of the report's commit) and then kept it as it was. EXTERNAL keeps the
out-of-line storage and skips the attempt. SpatiaLite has no such setting.
"""

from django.db import migrations


def uncompressed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE "intake_photoupload" ALTER COLUMN "data" SET STORAGE EXTERNAL')


def compressed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE "intake_photoupload" ALTER COLUMN "data" SET STORAGE EXTENDED')


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]
    operations = [migrations.RunPython(uncompressed, compressed)]

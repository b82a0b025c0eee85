"""manage.py export_map VERSION_ID PATH [--driver GPKG|GeoJSON]: write a map version out in the
layout the default mapping reads back (gridmaps.export)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gridmaps.export import DRIVERS, export_city
from server.maps.management.progress import ProgressBars
from server.maps.models import MapVersion
from server.maps.store import city_from_db


class Command(BaseCommand):
    help = "Export a map version to a GeoPackage file or a folder of GeoJSON files."

    def add_arguments(self, parser):
        parser.add_argument("version_id", type=int)
        parser.add_argument("path", help="a new .gpkg file, or a new/empty folder for GeoJSON")
        parser.add_argument("--driver", choices=DRIVERS, default="GPKG")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, version_id, path, driver, no_progress, **opts):
        version = MapVersion.objects.filter(pk=version_id).first()
        if version is None:
            raise CommandError(f"there is no map version {version_id}")
        bars = ProgressBars(enabled=not no_progress)
        try:
            export_city(city_from_db(version), path, driver, progress=bars)
        except FileExistsError as e:
            raise CommandError(str(e)) from None
        finally:
            bars.close()
        self.stdout.write(self.style.SUCCESS(f"map version {version.pk} written to {path} ({driver})"))

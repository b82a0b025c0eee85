"""manage.py import_map PATH --mapping M [--dry-run] [--skip-bad] [--activate] [--label L]

Reads a map (Shapefile, GeoPackage, GeoJSON, FileGDB, CSV with WKT, or a folder of them) with a
field mapping (docs/map-import.md), repairs what the mapping's [repair] allows, checks it and
stores it as a new, inactive map version (``--activate`` activates it too). Prints every repair
and every problem with its layer, feature id and lon/lat (``--dry-run``: the same report,
nothing stored). Exit
status: 0 imported (or would be, with --dry-run), 1 not imported.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gridmaps.importer import MappingError
from server.maps.importing import import_map
from server.maps.management.progress import ProgressBars


class Command(BaseCommand):
    help = "Import a grid map from a GDAL/OGR source as a new (inactive) map version."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a dataset (file or .gdb folder) or a folder of datasets")
        parser.add_argument("--mapping", default="default",
                            help="mapping file (.toml/.json) or a built-in name: default, cjt")
        parser.add_argument("--label", default="", help="the version's label (default: import <file>)")
        parser.add_argument("--dry-run", action="store_true", help="check only, store nothing")
        parser.add_argument("--skip-bad", action="store_true",
                            help="skip features with problems and import the rest if consistent")
        parser.add_argument("--activate", action="store_true", help="activate the new version")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, path, mapping, label, dry_run, skip_bad, activate, no_progress, **opts):
        bars = ProgressBars(enabled=not no_progress)
        try:
            result = import_map(path, mapping, label=label, dry_run=dry_run, skip_bad=skip_bad,
                                activate=activate, progress=bars)
        except MappingError as e:
            raise CommandError(f"mapping: {e}") from None
        finally:
            bars.close()
        if result.problems or result.repairs:
            self.stdout.write(result.report())
        else:
            self.stdout.write(result.summary())
        timing = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
        if result.stored is not None:
            state = "active" if activate else "inactive; activate with: manage.py activate_map"
            self.stdout.write(self.style.SUCCESS(f"map version {result.stored} stored ({state}) [{timing}]"))
        elif result.ok:
            self.stdout.write(self.style.SUCCESS(f"dry run: consistent, nothing stored [{timing}]"))
        else:
            raise CommandError(f"not imported: {len(result.problems)} problem(s); nothing stored")

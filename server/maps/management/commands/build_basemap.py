"""manage.py build_basemap: render the active map's base map into its tile package."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from server.maps.basemap import BasemapError, build


class Command(BaseCommand):
    help = ("Render the base map (streets and names under the cells) of the active map into "
            "an MBTiles package (BASEMAP_PATH), from the map's own street offices, roads and "
            "points of interest and, with --source, the city's road/building/water/green "
            "GeoJSON files.")

    def add_arguments(self, parser):
        parser.add_argument("--if-missing", action="store_true",
                            help="do nothing when the package exists; warn, not fail, when "
                                 "it cannot be built (make run)")
        parser.add_argument("--source", default=settings.BASEMAP_SOURCE,
                            help="folder with roads.geojson, buildings.geojson, water.geojson, "
                                 "green.geojson and an ATTRIBUTION line (default BASEMAP_SOURCE)")
        parser.add_argument("--frame", default=settings.BASEMAP_SOURCE_FRAME,
                            choices=("wgs84", "cgcs2000", "gcj02", "bd09"),
                            help="the source files' coordinate frame (converted to WGS84)")
        parser.add_argument("--minzoom", type=int, default=settings.BASEMAP_MIN_ZOOM)
        parser.add_argument("--maxzoom", type=int, default=settings.BASEMAP_MAX_ZOOM)
        parser.add_argument("--out", default=str(settings.BASEMAP_PATH))

    def handle(self, *args, if_missing=False, source="", frame="wgs84", minzoom=12, maxzoom=17,
               out="", **opts):
        if not 0 <= minzoom <= maxzoom <= 20:
            raise CommandError(f"zooms must satisfy 0 <= minzoom <= maxzoom <= 20, not "
                               f"{minzoom}..{maxzoom}")
        out = Path(out)
        if if_missing and out.exists():
            self.stdout.write(f"base map: {out} exists, nothing built")
            return
        try:
            r = build(out, source=Path(source) if source else None, frame=frame,
                      minzoom=minzoom, maxzoom=maxzoom)
        except BasemapError as exc:
            if if_missing:
                self.stderr.write(f"base map not built ({exc}); the maps show the cells alone")
                return
            raise CommandError(str(exc)) from None
        self.stdout.write(f"base map: {r['tiles']} tiles (zoom {minzoom}-{maxzoom}) in "
                          f"{r['seconds']} s, {r['bytes'] / 1e6:.1f} MB -> {r['path']}; layers "
                          + ", ".join(f"{k} {v}" for k, v in sorted(r["layers"].items())))

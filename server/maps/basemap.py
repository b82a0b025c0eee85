"""The base map (底图) under the consoles' and the handset's cells and pins.

Which layer a client draws (``layer_for``), in this order:

1. the city's own GIS server, named in settings: ``MAP_TILE_URL`` (an XYZ or WMTS REST
   template with ``{z}/{x}/{y}``) or ``MAP_WMS_URL`` with ``MAP_WMS_LAYERS``;
2. the system's own tile package (``BASEMAP_PATH``, MBTiles), served by
   ``/api/map/basemap/tiles/{z}/{x}/{y}.png``; ``manage.py build_basemap`` renders it from the
   active map's own vector data (street offices, gazetteer roads and points of interest) and,
   when ``BASEMAP_SOURCE`` names a folder, from the city's road, building, water and green
   GeoJSON files there (docs/map-import.md);
3. none: the cells alone, on grey.

Frames: cells, places and pins are stored and drawn in WGS84 lon/lat, and the package is
rendered from WGS84 too (a source folder in GCJ-02 or BD-09 is converted first), so streets and
cells line up. A tile server that draws GCJ-02 (most Chinese web maps) would be offset by up to
~500 m from them: name such a server only with data in the same frame as the cells.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db.models import Q
from django.utils.translation import gettext

from gis.frames import Frame, to_wgs84
from gridmaps.basemap import mbtiles
from server.maps.models import MapVersion, Place, Street

RENDERER = Path(__file__).resolve().parents[2] / "gridmaps" / "basemap" / "render.py"
#: The layer files a source folder may hold (the rest of the folder is ignored).
SOURCE_LAYERS = ("roads", "buildings", "water", "green")
#: OpenStreetMap ``highway`` values -> the renderer's road kinds.
ROAD_KINDS = {
    "motorway": "major", "trunk": "major", "primary": "major", "secondary": "major",
    "motorway_link": "road", "trunk_link": "road", "primary_link": "road",
    "secondary_link": "road", "tertiary": "road", "tertiary_link": "road",
    "unclassified": "road", "residential": "alley", "living_street": "alley",
    "service": "alley", "pedestrian": "alley", "road": "alley",
    "footway": "path", "path": "path", "cycleway": "path", "steps": "path", "track": "path",
}
KINDS = {"major", "road", "alley", "path"}
PLACE_KINDS = {"road": "road", "alley": "alley"}  # gazetteer place type -> road kind
BOUNDS_MARGIN = 0.01  # degrees (about 1 km) rendered round the district


class BasemapError(RuntimeError):
    """The package could not be built: says why (no active map, no renderer, a bad source)."""


# --- which layer -------------------------------------------------------------------------------

def layer_for(tile_url_prefix: str) -> dict:
    """The base-map layer a client should draw: ``{"type": "xyz" | "wms" | "none", "url",
    "layers", "attribution", "bounds": [w, s, e, n] | None, "minzoom", "maxzoom"}``.
    ``tile_url_prefix``: the absolute URL of ``/api/map/basemap/tiles/`` for this request."""
    bounds = city_bounds()
    if settings.MAP_TILE_URL:
        return {"type": "xyz", "url": settings.MAP_TILE_URL, "layers": "",
                "attribution": settings.MAP_ATTRIBUTION, "bounds": bounds,
                "minzoom": 0, "maxzoom": settings.MAP_MAX_ZOOM}
    if settings.MAP_WMS_URL:
        return {"type": "wms", "url": settings.MAP_WMS_URL, "layers": settings.MAP_WMS_LAYERS,
                "attribution": settings.MAP_ATTRIBUTION, "bounds": bounds,
                "minzoom": 0, "maxzoom": settings.MAP_MAX_ZOOM}
    package = Package.current()
    if package is not None:
        return {"type": "xyz", "url": tile_url_prefix + "{z}/{x}/{y}.png", "layers": "",
                "attribution": _own_credit(package.attribution), "bounds": package.bounds,
                "minzoom": package.minzoom, "maxzoom": package.maxzoom}
    return {"type": "none", "url": "", "layers": "", "attribution": "", "bounds": bounds,
            "minzoom": 0, "maxzoom": settings.MAP_MAX_ZOOM}


def city_bounds() -> list[float] | None:
    """[w, s, e, n] of the active map's street offices (WGS84), or None without a map."""
    version = MapVersion.objects.filter(active=True).first()
    if version is None:
        return None
    extent = None
    for street in Street.objects.filter(version=version).only("geom"):
        e = street.geom.extent
        extent = e if extent is None else (min(extent[0], e[0]), min(extent[1], e[1]),
                                           max(extent[2], e[2]), max(extent[3], e[3]))
    return [round(v, 6) for v in extent] if extent else None


# --- the package and its tiles -----------------------------------------------------------------

@dataclass(frozen=True)
class Package:
    """The tile package on disk, as its metadata describes it."""

    path: Path
    stamp: str  # changes whenever the file is rebuilt: the tiles' ETag prefix
    attribution: str
    bounds: list[float]
    minzoom: int
    maxzoom: int

    _local = threading.local()

    @classmethod
    def current(cls) -> Package | None:
        """The package at ``BASEMAP_PATH``, or None when there is none (or it is unreadable).
        Its connection is kept per thread and reopened when the file changes."""
        path = Path(settings.BASEMAP_PATH)
        try:
            st = path.stat()
        except OSError:
            return None
        stamp = f"{st.st_mtime_ns:x}-{st.st_size:x}"
        cached = getattr(cls._local, "entry", None)
        if cached and cached[0].path == path and cached[0].stamp == stamp:
            return cached[0]
        try:
            db = mbtiles.open_read_only(path)
            meta = mbtiles.metadata(db)
            package = cls(path, stamp, meta.get("attribution", ""),
                          [float(v) for v in meta["bounds"].split(",")],
                          int(meta["minzoom"]), int(meta["maxzoom"]))
        except (OSError, KeyError, ValueError, mbtiles.sqlite3.Error):
            return None
        if cached:
            cached[1].close()
        cls._local.entry = (package, db)
        return package

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The PNG at XYZ ``z/x/y``, or None outside the package."""
        entry = getattr(self._local, "entry", None)
        if not entry or entry[0] is not self:
            return None
        return mbtiles.get(entry[1], z, x, y)


# --- building ----------------------------------------------------------------------------------

def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _feature(geom: GEOSGeometry, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": json.loads(geom.geojson)}


def _convert(coords, frame: str):
    if isinstance(coords[0], (int, float)):
        return list(to_wgs84(coords[0], coords[1], frame))
    return [_convert(c, frame) for c in coords]


def read_source(path: Path, stem: str, frame: str) -> list[dict]:
    """The features of ``path`` (GeoJSON) in WGS84, roads given a ``kind`` from their
    ``kind`` or OpenStreetMap ``highway`` property (others dropped). BasemapError names a file
    that is not GeoJSON."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        features = data["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BasemapError(f"{path}: not a GeoJSON FeatureCollection ({exc})") from None
    out = []
    for f in features:
        geom, props = f.get("geometry"), f.get("properties") or {}
        if not geom or not geom.get("coordinates"):
            continue
        if Frame(frame) not in (Frame.WGS84, Frame.CGCS2000):
            geom = {"type": geom["type"], "coordinates": _convert(geom["coordinates"], frame)}
        keep = {"name": str(props.get("name") or "")}
        if stem == "roads":
            kind = props.get("kind") if props.get("kind") in KINDS else ROAD_KINDS.get(
                str(props.get("highway") or ""))
            if kind is None:
                continue
            keep["kind"] = kind
        out.append({"type": "Feature", "properties": keep, "geometry": geom})
    return out


def write_layers(version: MapVersion, folder: Path, source: Path | None = None,
                 frame: str = "wgs84") -> dict[str, int]:
    """Write the renderer's GeoJSON layers for ``version`` into ``folder``; returns the
    feature count of each. A ``source`` folder's files (``SOURCE_LAYERS``) come first: its
    ``roads.geojson`` replaces the gazetteer's roads."""
    layers: dict[str, list[dict]] = {}
    streets = list(Street.objects.filter(version=version).only("name", "geom"))
    layers["areas"] = [_feature(s.geom, name=s.name) for s in streets]
    layers["area-labels"] = [_feature(s.geom.point_on_surface, name=s.name) for s in streets]
    if source is not None:
        if not source.is_dir():
            raise BasemapError(f"{source}: no such folder (BASEMAP_SOURCE / --source)")
        for stem in SOURCE_LAYERS:
            if (source / f"{stem}.geojson").is_file():
                layers[stem] = read_source(source / f"{stem}.geojson", stem, frame)
    places = Place.objects.filter(version=version)
    if "roads" not in layers:
        layers["roads"] = [_feature(p.geom, name=p.name, kind=PLACE_KINDS[p.place_type])
                           for p in places.filter(place_type__in=PLACE_KINDS)
                           if p.geom.geom_type in ("LineString", "MultiLineString")]
    layers["pois"] = [_feature(p.geom, name=p.name)
                      for p in places.filter(Q(place_type="poi")) if p.geom.geom_type == "Point"]
    for stem, features in layers.items():
        (folder / f"{stem}.geojson").write_text(json.dumps(_collection(features),
                                                           ensure_ascii=False), encoding="utf-8")
    return {stem: len(features) for stem, features in layers.items()}


#: The credit a package built from the city's own map data carries (stored in the package as
#: written; a page shows it in its reader's language, ``_own_credit``).
OWN_CREDIT = "城市网格数据 city grid data"


def _own_credit(stored: str) -> str:
    """A package's credit for a page: the system's own in the request's language, any other
    (a source's ``ATTRIBUTION``, a setting) as written."""
    return gettext("City grid data") if stored == OWN_CREDIT else stored


def attribution_of(source: Path | None) -> str:
    """The map data's credit: the source folder's ``ATTRIBUTION`` file (one line, e.g.
    "© OpenStreetMap contributors"), else the system's own."""
    if source is not None and (source / "ATTRIBUTION").is_file():
        return (source / "ATTRIBUTION").read_text(encoding="utf-8").strip()
    return settings.MAP_ATTRIBUTION or OWN_CREDIT


def build(out: Path | None = None, *, source: Path | None = None, frame: str = "wgs84",
          minzoom: int | None = None, maxzoom: int | None = None) -> dict:
    """Render the active map's base map into ``out`` (default ``BASEMAP_PATH``), replacing it
    whole. Returns the renderer's figures plus the layers' feature counts. BasemapError when
    there is no active map, no renderer (Debian's python3-mapnik) or the render fails."""
    version = MapVersion.objects.filter(active=True).first()
    if version is None:
        raise BasemapError("no map version is active: load or import a map first")
    out = Path(out or settings.BASEMAP_PATH)
    minzoom = settings.BASEMAP_MIN_ZOOM if minzoom is None else minzoom
    maxzoom = settings.BASEMAP_MAX_ZOOM if maxzoom is None else maxzoom
    python = settings.BASEMAP_RENDER_PYTHON
    check = subprocess.run([python, "-c", "import mapnik"], capture_output=True, text=True)
    if check.returncode != 0:
        raise BasemapError(f"{python} cannot import mapnik: install Debian's python3-mapnik and "
                           "fonts-noto-cjk (scripts/install-system.sh base)")
    # A margin round the district, so names on its edge are not cut at the last tile.
    w, s, e, n = city_bounds()
    bounds = [round(w - BOUNDS_MARGIN, 6), round(s - BOUNDS_MARGIN, 6),
              round(e + BOUNDS_MARGIN, 6), round(n + BOUNDS_MARGIN, 6)]
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="basemap-") as tmp:
        counts = write_layers(version, Path(tmp), source, frame)
        run = subprocess.run(
            [python, str(RENDERER), "--layers", tmp, "--out", str(out),
             "--bounds", ",".join(str(v) for v in bounds),
             "--minzoom", str(minzoom), "--maxzoom", str(maxzoom),
             "--name", version.label, "--attribution", attribution_of(source)],
            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    if run.returncode != 0:
        raise BasemapError(f"the renderer failed: {run.stderr.strip()[-2000:]}")
    return {**json.loads(run.stdout.strip().splitlines()[-1]), "layers": counts, "path": str(out)}

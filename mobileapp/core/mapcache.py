"""The handset's offline map: the duty grid's vector data (cells, components) from
``GET /api/map/duty/``, kept on disk with its ETag, plus the geometry the map screen needs
(projection lon/lat <-> metres <-> screen pixels, which cell a point is in, which components
are near it). No Kivy import: the map widget draws what this module computes.

Contract of the disk cache (``MapCache``): ``load()`` gives the last map stored, or None, with no
network; ``refresh(api)`` asks the server with ``If-None-Match`` and replaces the file only after
a complete, parseable answer (written to a temporary file, then renamed), so a cut download
never leaves the phone without a map. Coordinates are WGS84 (the server answers in WGS84).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

#: Mean Earth radius (m): the local projection's scale. Over a duty grid of a few kilometres an
#: equirectangular projection around its centre is off by well under 0.1 %.
EARTH_R = 6_371_008.8
#: Side (m) of the buckets of the component index: a nearby query looks at 3x3 buckets or more.
BUCKET_M = 50.0


class BadMapData(ValueError):
    """The duty map JSON does not have the documented shape; ``str(exc)`` says where."""


@dataclass(frozen=True)
class CellShape:
    code: str
    name: str
    duty: bool                                   # the user's own duty cell (vs. a neighbour)
    rings: tuple[tuple[tuple[float, float], ...], ...]  # (lon, lat) rings, holes included
    bbox: tuple[float, float, float, float]

    def contains(self, lon: float, lat: float) -> bool:
        """Even-odd rule over every ring (so holes are outside)."""
        x0, y0, x1, y1 = self.bbox
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            return False
        inside = False
        for ring in self.rings:
            j = len(ring) - 1
            for i in range(len(ring)):
                xi, yi = ring[i]
                xj, yj = ring[j]
                if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                    inside = not inside
                j = i
        return inside

    def label_point(self) -> tuple[float, float]:
        """The centre of the bounding box when inside the cell, else the first vertex's
        neighbourhood average (good enough for a label)."""
        x0, y0, x1, y1 = self.bbox
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if self.contains(cx, cy):
            return cx, cy
        ring = self.rings[0]
        return (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))


@dataclass(frozen=True)
class ComponentPoint:
    code: str
    class_code: str
    class_name: str
    lon: float
    lat: float


class Projection:
    """Local equirectangular projection around (lon0, lat0): x metres east, y metres north."""

    def __init__(self, lon0: float, lat0: float):
        self.lon0, self.lat0 = lon0, lat0
        self.kx = math.radians(1) * EARTH_R * math.cos(math.radians(lat0))
        self.ky = math.radians(1) * EARTH_R

    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        return self.lon0 + x / self.kx, self.lat0 + y / self.ky

    def distance_m(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        """Distance in metres between two (lon, lat) points near the origin."""
        ax, ay = self.to_xy(*a)
        bx, by = self.to_xy(*b)
        return math.hypot(ax - bx, ay - by)


@dataclass
class View:
    """Metres -> screen pixels: ``screen = offset + scale * xy``. The widget applies the same
    numbers as a canvas Translate/Scale, so panning and zooming never rebuild the geometry."""

    projection: Projection
    scale: float = 1.0                 # pixels per metre
    offset: tuple[float, float] = (0.0, 0.0)
    min_scale: float = 0.005
    max_scale: float = 20.0

    def to_screen(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self.projection.to_xy(lon, lat)
        return self.offset[0] + self.scale * x, self.offset[1] + self.scale * y

    def to_lonlat(self, sx: float, sy: float) -> tuple[float, float]:
        return self.projection.to_lonlat((sx - self.offset[0]) / self.scale,
                                         (sy - self.offset[1]) / self.scale)

    def fit(self, bbox: tuple[float, float, float, float], x: float, y: float, w: float,
            h: float, margin: float = 8.0) -> None:
        """Show ``bbox`` (lon/lat) whole in the screen rectangle (x, y, w, h)."""
        ax, ay = self.projection.to_xy(bbox[0], bbox[1])
        bx, by = self.projection.to_xy(bbox[2], bbox[3])
        span_x, span_y = max(bx - ax, 1.0), max(by - ay, 1.0)
        self.scale = self._clamp(min((w - 2 * margin) / span_x, (h - 2 * margin) / span_y))
        self.offset = (x + w / 2 - self.scale * (ax + bx) / 2,
                       y + h / 2 - self.scale * (ay + by) / 2)

    def pan(self, dx: float, dy: float) -> None:
        self.offset = (self.offset[0] + dx, self.offset[1] + dy)

    def zoom(self, factor: float, cx: float, cy: float) -> None:
        """Zoom by ``factor`` keeping the screen point (cx, cy) still."""
        new = self._clamp(self.scale * factor)
        f = new / self.scale
        self.offset = (cx - f * (cx - self.offset[0]), cy - f * (cy - self.offset[1]))
        self.scale = new

    def center_on(self, lon: float, lat: float, x: float, y: float, w: float, h: float) -> None:
        px, py = self.to_screen(lon, lat)
        self.pan(x + w / 2 - px, y + h / 2 - py)

    def _clamp(self, s: float) -> float:
        return min(self.max_scale, max(self.min_scale, s))


@dataclass
class DutyMap:
    """One map version's duty-grid data, with a bucket index of the components."""

    map_version: Any
    bbox: tuple[float, float, float, float]
    cells: list[CellShape]
    components: list[ComponentPoint]
    projection: Projection = field(init=False)
    _buckets: dict[tuple[int, int], list[int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        x0, y0, x1, y1 = self.bbox
        self.projection = Projection((x0 + x1) / 2, (y0 + y1) / 2)
        self._buckets = {}
        for i, c in enumerate(self.components):
            self._buckets.setdefault(self._bucket(c.lon, c.lat), []).append(i)

    def _bucket(self, lon: float, lat: float) -> tuple[int, int]:
        x, y = self.projection.to_xy(lon, lat)
        return int(math.floor(x / BUCKET_M)), int(math.floor(y / BUCKET_M))

    def cell_at(self, lon: float, lat: float) -> CellShape | None:
        """The cell containing the point (own duty cells first), or None."""
        for c in sorted(self.cells, key=lambda c: not c.duty):
            if c.contains(lon, lat):
                return c
        return None

    def nearby(self, lon: float, lat: float, radius_m: float = 50.0,
               limit: int = 20) -> list[tuple[ComponentPoint, float]]:
        """Components within ``radius_m`` of the point, nearest first, as (component, metres):
        the offline twin of ``GET /api/map/nearby/``."""
        bx, by = self._bucket(lon, lat)
        reach = int(math.ceil(radius_m / BUCKET_M))
        x, y = self.projection.to_xy(lon, lat)
        found: list[tuple[float, int]] = []
        for i in range(bx - reach, bx + reach + 1):
            for j in range(by - reach, by + reach + 1):
                for k in self._buckets.get((i, j), ()):
                    c = self.components[k]
                    cx, cy = self.projection.to_xy(c.lon, c.lat)
                    d = math.hypot(cx - x, cy - y)
                    if d <= radius_m:
                        found.append((d, k))
        found.sort()
        return [(self.components[k], d) for d, k in found[:limit]]


# -- parsing -------------------------------------------------------------------------------

def _num(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise BadMapData(f"{where}: not a number")
    return float(v)


def _ring(coords: Any, where: str) -> tuple[tuple[float, float], ...]:
    if not isinstance(coords, list) or len(coords) < 3:
        raise BadMapData(f"{where}: a ring needs at least 3 positions")
    ring = tuple(_position(p, where) for p in coords)
    if ring[0] == ring[-1]:
        ring = ring[:-1]  # GeoJSON closes rings; drawing and hit-testing do not need it
    return ring


def _position(p: Any, where: str) -> tuple[float, float]:
    if not isinstance(p, list) or len(p) < 2:
        raise BadMapData(f"{where}: a position is [lon, lat]")
    return _num(p[0], where), _num(p[1], where)


def _rings(geom: Any, where: str) -> list[tuple[tuple[float, float], ...]]:
    if not isinstance(geom, dict):
        raise BadMapData(f"{where}: no geometry")
    geom_type, coords = geom.get("type"), geom.get("coordinates")
    if geom_type == "Polygon" and isinstance(coords, list):
        return [_ring(r, where) for r in coords]
    if geom_type == "MultiPolygon" and isinstance(coords, list):
        return [_ring(r, where) for poly in coords if isinstance(poly, list) for r in poly]
    raise BadMapData(f"{where}: geometry must be a Polygon or MultiPolygon")


def _features(fc: Any, where: str) -> list[dict]:
    if not isinstance(fc, dict) or not isinstance(fc.get("features"), list):
        raise BadMapData(f"{where}: not a FeatureCollection")
    return fc["features"]


def parse_duty_map(data: Any) -> DutyMap:
    """The ``/api/map/duty/`` body as a ``DutyMap``; raises ``BadMapData`` naming the problem.
    Cell properties: ``code``, optional ``name`` (else ``community_name``) and ``duty`` (own
    cell; default True). Component properties: ``code``, ``class_code``, ``class_name``; any
    GeoJSON geometry (drawn at one anchor point). ``bbox`` null: from the cells."""
    if not isinstance(data, dict):
        raise BadMapData("duty map: not a JSON object")
    bbox = data.get("bbox")
    if bbox is not None and (not isinstance(bbox, list) or len(bbox) != 4):
        raise BadMapData("bbox: [minlon, minlat, maxlon, maxlat] or null expected")
    cells: list[CellShape] = []
    for n, f in enumerate(_features(data.get("cells"), "cells")):
        where = f"cells[{n}]"
        if not isinstance(f, dict):
            raise BadMapData(f"{where}: not a Feature")
        props = f.get("properties") or {}
        rings = _rings(f.get("geometry"), where)
        xs = [p[0] for r in rings for p in r]
        ys = [p[1] for r in rings for p in r]
        name = props.get("name") or props.get("community_name") or ""
        cells.append(CellShape(str(props.get("code", "")), str(name),
                               bool(props.get("duty", True)), tuple(rings),
                               (min(xs), min(ys), max(xs), max(ys))))
    comps: list[ComponentPoint] = []
    for n, f in enumerate(_features(data.get("components"), "components")):
        where = f"components[{n}]"
        geom = f.get("geometry") if isinstance(f, dict) else None
        lon, lat = _anchor(geom, where)
        props = f.get("properties") or {}
        comps.append(ComponentPoint(str(props.get("code", "")), str(props.get("class_code", "")),
                                    str(props.get("class_name", "")), lon, lat))
    if bbox is not None:
        box = tuple(_num(v, "bbox") for v in bbox)
    elif cells:  # the server sends null for an empty map; be lenient with a missing one
        box = (min(c.bbox[0] for c in cells), min(c.bbox[1] for c in cells),
               max(c.bbox[2] for c in cells), max(c.bbox[3] for c in cells))
    else:
        box = (0.0, 0.0, 0.0, 0.0)
    return DutyMap(data.get("map_version"), box, cells, comps)  # type: ignore[arg-type]


def _anchor(geom: Any, where: str) -> tuple[float, float]:
    """Where a component is drawn and found: a point itself; for a line or an area (a road
    marking, a green patch) its middle vertex, which lies on the feature."""
    if not isinstance(geom, dict) or not isinstance(geom.get("coordinates"), list):
        raise BadMapData(f"{where}: no geometry")
    geom_type, coords = geom.get("type"), geom["coordinates"]
    depth = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2,
             "Polygon": 2, "MultiPolygon": 3}.get(geom_type)
    if depth is None:
        raise BadMapData(f"{where}: unknown geometry type {geom_type!r}")
    for _ in range(depth):
        if not isinstance(coords, list) or not coords:
            raise BadMapData(f"{where}: empty {geom_type}")
        coords = coords[len(coords) // 2] if _ == depth - 1 else coords[0]
    return _position(coords, where)


# -- disk cache ----------------------------------------------------------------------------

class MapCache:
    """``directory/duty_map.json`` (the server's body as received) and ``duty_map.etag``."""

    def __init__(self, directory: str | os.PathLike):
        self.dir = Path(directory)
        self.path = self.dir / "duty_map.json"
        self.etag_path = self.dir / "duty_map.etag"

    def etag(self) -> str | None:
        try:
            return self.etag_path.read_text().strip() or None
        except OSError:
            return None

    def load(self) -> DutyMap | None:
        """The stored map, or None if there is none or it is unreadable (then the next
        refresh downloads it whole: no ETag is sent for a map we cannot read)."""
        try:
            return parse_duty_map(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    def store(self, data: dict, etag: str | None) -> DutyMap:
        """Check, then replace atomically (the map first, then its ETag)."""
        parsed = parse_duty_map(data)
        self.dir.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        if etag:
            _atomic_write(self.etag_path, etag)
        elif self.etag_path.exists():
            self.etag_path.unlink()
        return parsed

    def refresh(self, api) -> tuple[bool, DutyMap | None]:
        """Ask the server (``api.duty_map(etag)`` -> (status, data|None, etag)).
        Returns (changed, map): (False, stored map) on 304, (True, new map) on 200.
        Network failures propagate as the client's ``Transient``; the stored map stays."""
        etag = self.etag() if self.path.exists() else None
        status, data, new_etag = api.duty_map(etag=etag)
        if status == 304 or data is None:
            stored = self.load()
            if stored is not None or etag is None:
                return False, stored
            # "Not modified", but our copy is unreadable (a disk fault): fetch it whole.
            status, data, new_etag = api.duty_map(etag=None)
            if data is None:
                return False, None
        return True, self.store(data, new_etag)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


#: Kivy meshes index with unsigned shorts: at most this many vertices in one Mesh.
MESH_MAX_VERTICES = 65_000


def ring_line_meshes(cells: Iterable[CellShape], projection: Projection):
    """The edges of every ring in metres as ``lines`` meshes: a list of (vertices, indices),
    vertices as [x, y, u, v, ...] (Kivy's Mesh format), indices in pairs; a new mesh starts
    before one would pass ``MESH_MAX_VERTICES``."""
    meshes: list[tuple[list[float], list[int]]] = []
    verts: list[float] = []
    idx: list[int] = []
    for c in cells:
        for ring in c.rings:
            if len(verts) // 4 + len(ring) > MESH_MAX_VERTICES:
                meshes.append((verts, idx))
                verts, idx = [], []
            start = len(verts) // 4
            for k, (lon, lat) in enumerate(ring):
                x, y = projection.to_xy(lon, lat)
                verts += (x, y, 0.0, 0.0)
                idx += (start + k, start + (k + 1) % len(ring))
    if verts:
        meshes.append((verts, idx))
    return meshes

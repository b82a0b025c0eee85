"""The base map under the duty grid: the server's answer, tile arithmetic, a bounded disk cache
of tiles and the fetch of one tile. No Kivy here (``mobileapp/ui/tiles.py`` draws them).

The server says where its base map is with ``GET /api/map/basemap/``::

    {"type": "xyz" | "wms" | "none", "url": "/api/map/basemap/tiles/{z}/{x}/{y}.png",
     "attribution": "...", "bounds": [w, s, e, n], "minzoom": 12, "maxzoom": 18}

``url`` is relative to the server or absolute. Tiles are 256 px images in the XYZ scheme (Web
Mercator, row 0 at the north), in the same datum as the cells. A ``wms`` template names the
tile's EPSG:3857 box with ``{bbox-epsg-3857}`` (or ``{bbox}``) instead of ``{z}/{x}/{y}``.

The token goes only to the server's own origin: a base map on another host (a city's tile
server) is asked without it, so the session never leaks to a third party.

Tiles are kept on the phone (``TileCache``, least recently used out past a size limit) so the
streets stay under the grid in a dead zone; the answer itself is kept beside them.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from mobileapp.core.api import DEFAULT_TIMEOUT, Refused, Transient

TILE_PX = 256
MAX_LAT = 85.0511287798
#: Web Mercator's sphere (EPSG:3857), metres.
MERCATOR_R = 6378137.0
#: Tiles larger than this are not images a phone should keep (a mistaken server).
MAX_TILE_BYTES = 1 << 20
#: The disk cache's default size: a district at zooms 14-18 fits in a few tens of MB.
DEFAULT_CACHE_BYTES = 64 << 20
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


class BadBasemap(ValueError):
    """The server's base-map answer cannot be used; the message names the field."""


@dataclass(frozen=True)
class BasemapInfo:
    """The server's answer, checked, with ``url`` made absolute."""

    type: str
    url: str = ""
    attribution: str = ""
    bounds: tuple[float, float, float, float] | None = None
    minzoom: int = 0
    maxzoom: int = 19
    #: The tiles are on the server's own origin: they are asked with the session's token.
    same_origin: bool = False

    @property
    def drawn(self) -> bool:
        return self.type in ("xyz", "wms") and bool(self.url)

    @property
    def key(self) -> str:
        """Names this base map's tiles in the cache: a new template never shows stale tiles."""
        return hashlib.sha1(f"{self.type}|{self.url}".encode()).hexdigest()[:12]


NO_BASEMAP = BasemapInfo("none")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def parse_basemap(data: Any, base_url: str) -> BasemapInfo:
    """The answer of ``/api/map/basemap/`` as a ``BasemapInfo``; raises ``BadBasemap``."""
    if not isinstance(data, dict):
        raise BadBasemap("base map: not a JSON object")
    kind = data.get("type")
    if kind == "none":
        return NO_BASEMAP
    if kind not in ("xyz", "wms"):
        raise BadBasemap(f"base map type: {kind!r} is not xyz, wms or none")
    url = data.get("url")
    if not isinstance(url, str) or not url:
        raise BadBasemap("base map url: missing")
    needs = ("{z}", "{x}", "{y}") if kind == "xyz" else ()
    if kind == "wms" and "{bbox-epsg-3857}" not in url and "{bbox}" not in url:
        raise BadBasemap("base map url: a WMS template needs {bbox-epsg-3857}")
    if any(n not in url for n in needs):
        raise BadBasemap("base map url: an XYZ template needs {z}, {x} and {y}")
    full = urljoin(base_url.rstrip("/") + "/", url)
    if _origin(full)[0] not in ("http", "https"):
        raise BadBasemap("base map url: not http(s)")
    bounds = data.get("bounds")
    if bounds is not None:
        if (not isinstance(bounds, list) or len(bounds) != 4
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           and math.isfinite(v) for v in bounds)):
            raise BadBasemap("base map bounds: [west, south, east, north] expected")
        bounds = tuple(float(v) for v in bounds)
    zooms = []
    for name, default in (("minzoom", 0), ("maxzoom", 19)):
        v = data.get(name, default)
        if v is None:
            v = default
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 24:
            raise BadBasemap(f"base map {name}: a whole number from 0 to 24 expected")
        zooms.append(v)
    if zooms[0] > zooms[1]:
        raise BadBasemap("base map minzoom is above maxzoom")
    attribution = data.get("attribution") or ""
    return BasemapInfo(kind, full, str(attribution), bounds, zooms[0], zooms[1],
                       _origin(full) == _origin(base_url))


# -- tile arithmetic (XYZ, Web Mercator) ------------------------------------------------------

def tile_of(lon: float, lat: float, z: int) -> tuple[float, float]:
    """The fractional tile (x, y) of a point at zoom ``z``."""
    n = 2 ** z
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    x = (lon + 180.0) / 360.0 * n
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return x, y


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a tile in degrees."""
    n = 2 ** z

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))
    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def zoom_for(px_per_metre: float, lat: float, info: BasemapInfo) -> int | None:
    """The zoom whose tile pixels are closest to the screen's at this scale, within the base
    map's zooms (past ``maxzoom`` its tiles are stretched); None below ``minzoom`` (a whole
    city in tiles would be thousands of downloads)."""
    if px_per_metre <= 0:
        return None
    metres_per_px_z0 = 2 * math.pi * MERCATOR_R * math.cos(math.radians(lat)) / TILE_PX
    z = round(math.log2(metres_per_px_z0 * px_per_metre))
    if z < info.minzoom:
        return None
    return min(z, info.maxzoom)


def tiles_in(bbox: tuple[float, float, float, float], z: int, info: BasemapInfo,
             limit: int = 64) -> list[tuple[int, int, int]]:
    """The tiles (z, x, y) covering ``bbox`` (lon/lat) and the base map's bounds, nearest the
    middle first; [] when more than ``limit`` would be needed."""
    w, s, e, n = bbox
    if info.bounds:
        bw, bs, be, bn = info.bounds
        w, s, e, n = max(w, bw), max(s, bs), min(e, be), min(n, bn)
        if w >= e or s >= n:
            return []
    x0, y0 = tile_of(w, n, z)
    x1, y1 = tile_of(e, s, z)
    top = 2 ** z - 1
    xs = range(max(0, int(x0)), min(top, int(x1)) + 1)
    ys = range(max(0, int(y0)), min(top, int(y1)) + 1)
    if len(xs) * len(ys) > limit:
        return []
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return sorted(((z, x, y) for x in xs for y in ys),
                  key=lambda t: (t[1] + .5 - cx) ** 2 + (t[2] + .5 - cy) ** 2)


def tile_url(info: BasemapInfo, z: int, x: int, y: int) -> str:
    if info.type == "wms":
        w, s, e, n = tile_bounds(z, x, y)
        x0, y0 = _mercator(w, s)
        x1, y1 = _mercator(e, n)
        box = f"{x0:.3f},{y0:.3f},{x1:.3f},{y1:.3f}"
        return info.url.replace("{bbox-epsg-3857}", box).replace("{bbox}", box)
    return info.url.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    return (math.radians(lon) * MERCATOR_R,
            MERCATOR_R * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


# -- the phone's copy ---------------------------------------------------------------------

class TileCache:
    """``directory/basemap.json`` (the server's last answer) and ``directory/<key>/z/x/y``
    tiles, at most ``max_bytes`` of them: past it the least recently used go first (a tile's
    modification time is its last use). One writer (the fetching thread) and readers on the
    UI thread: every file is written whole, then renamed."""

    def __init__(self, directory: str | os.PathLike, max_bytes: int = DEFAULT_CACHE_BYTES):
        self.dir = Path(directory)
        self.max_bytes = max_bytes
        self._size: int | None = None   # measured at the first write

    # the server's answer, for a start without network
    def load_info(self) -> tuple[BasemapInfo | None, str | None]:
        """(the last answer, the server it came from), or (None, None)."""
        try:
            saved = json.loads((self.dir / "basemap.json").read_text(encoding="utf-8"))
            return parse_basemap(saved["answer"], saved["base_url"]), saved["base_url"]
        except (OSError, ValueError, KeyError, TypeError):
            return None, None

    def store_info(self, answer: dict, base_url: str) -> BasemapInfo:
        info = parse_basemap(answer, base_url)
        self.dir.mkdir(parents=True, exist_ok=True)
        _write(self.dir / "basemap.json",
               json.dumps({"answer": answer, "base_url": base_url}).encode())
        return info

    def path(self, info: BasemapInfo, z: int, x: int, y: int) -> Path:
        return self.dir / info.key / str(z) / str(x) / str(y)

    def get(self, info: BasemapInfo, z: int, x: int, y: int) -> Path | None:
        """The stored tile's file (marked as used now), or None."""
        p = self.path(info, z, x, y)
        try:
            os.utime(p)
        except OSError:
            return None
        return p

    def put(self, info: BasemapInfo, z: int, x: int, y: int, data: bytes) -> Path:
        p = self.path(info, z, x, y)
        p.parent.mkdir(parents=True, exist_ok=True)
        if self._size is None:
            self._size = self.size()
        try:
            self._size -= p.stat().st_size
        except OSError:
            pass
        _write(p, data)
        self._size += len(data)
        if self._size > self.max_bytes:
            self.trim(int(self.max_bytes * 0.8))
        return p

    def _tiles(self) -> list[tuple[float, int, Path]]:
        found = []
        for root, _dirs, files in os.walk(self.dir):
            if Path(root) == self.dir:
                continue   # basemap.json: not a tile
            for name in files:
                p = Path(root) / name
                try:
                    st = p.stat()
                except OSError:
                    continue
                found.append((st.st_mtime, st.st_size, p))
        return found

    def size(self) -> int:
        """Bytes of tiles on disk."""
        return sum(size for _, size, _ in self._tiles())

    def trim(self, target: int) -> None:
        """Remove the least recently used tiles until at most ``target`` bytes remain."""
        tiles = sorted(self._tiles(), key=lambda t: t[0])
        total = sum(size for _, size, _ in tiles)
        for _, size, p in tiles:
            if total <= target:
                break
            p.unlink(missing_ok=True)
            total -= size
        self._size = total


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# -- the network -------------------------------------------------------------------------

class TileClient:
    """Fetches tiles (one per call) for one thread; the token only on the server's origin."""

    def __init__(self, token: str | None, timeout: httpx.Timeout | float = DEFAULT_TIMEOUT):
        self.token = token
        self._http = httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def fetch(self, info: BasemapInfo, z: int, x: int, y: int) -> bytes | None:
        """The tile's image bytes; None when the server has no tile there (204 or 404).
        Raises ``Transient`` (no network, 5xx, 429, or a body that is no image: a captive
        portal's page must not be kept as a street map) or ``Refused`` (401, 403, ...)."""
        headers = {}
        if self.token and info.same_origin:
            headers["Authorization"] = f"Token {self.token}"
        try:
            r = self._http.get(tile_url(info, z, x, y), headers=headers)
        except httpx.HTTPError as exc:
            raise Transient(f"{type(exc).__name__}: {exc}") from exc
        if r.status_code in (204, 404):
            return None
        if r.status_code >= 500 or r.status_code == 429:
            raise Transient(f"HTTP {r.status_code}")
        if r.status_code != 200:
            raise Refused(r.status_code, "tile_refused", r.reason_phrase)
        body = r.content
        if len(body) > MAX_TILE_BYTES or not body.startswith(IMAGE_MAGIC):
            raise Transient(f"tile {z}/{x}/{y}: not a PNG or JPEG image")
        return body

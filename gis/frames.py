"""Coordinate frames: WGS84, CGCS2000, GCJ-02, BD-09 and projected metres.

Every function takes and returns ``(lon, lat)`` in degrees, longitude first, like GeoJSON.

Frames:
  * WGS84 (EPSG:4326): what handsets' GPS gives. The system stores everything in WGS84.
  * CGCS2000 (EPSG:4490): the national frame. It differs from WGS84 by centimetres, far below
    GPS accuracy, so it is treated as *equal* to WGS84: converting between them is the identity.
  * GCJ-02 ("Mars coordinates"): what AMap and Tencent maps use. The published formula (Krasovsky
    ellipsoid constants a = 6378245.0, ee = 0.00669342162296594323) shifts points by a few hundred
    metres inside China. Outside China (the usual rectangle test, ``out_of_china``) GCJ-02 equals
    WGS84. The inverse has no closed form: ``gcj02_to_wgs84`` iterates the forward formula until
    it is accurate to well under 0.01 m (the common one-step inverse is off by up to about 3 m
    around Beijing).
  * BD-09: what Baidu maps use, a further rotation/offset of GCJ-02. It is applied everywhere,
    also outside China (as Baidu does). Its inverse is iterated too (the one-step inverse is
    off by up to about 0.16 m).
  * Projected metres: every distance and area is measured in a city's **metric frame**
    (``MetricFrame``): the CGCS2000 3-degree Gauss-Kruger zone of its central meridian inside
    China (EPSG:4534-4554, central meridians 75E-135E), the WGS84 UTM zone elsewhere
    (EPSG:326xx north, 327xx south), or one the city names (``metric_frame_for``). The
    module-level functions below use ``DEFAULT_METRIC``, ``PROJECTED_EPSG = 4548``
    (CGCS2000 / 3-degree Gauss-Kruger CM 117E, right for Beijing, longitudes 115.5-118.5 E);
    code that serves any city takes a ``MetricFrame``. Lon/lat degrees are not metres. As an
    input frame a point in metres is ``Frame.PROJECTED`` ("cgcs2000_gk39": zone 39 of the
    3-degree belts, central meridian 117E, *without* the zone number in the easting, which is
    EPSG:4548, not EPSG:4527); for it "lon, lat" are easting x and northing y in metres.

Scalar functions take and return floats; the ``*_array`` functions take and return numpy arrays
(same formulas, vectorised: the results equal the scalar ones to the last bit or so).

Why hand-written: the GCJ-02 formula is public, and the PyPI packages that wrap it
(eviltransform, last release 2018; coord-convert, 2019) are unmaintained, so a short, tested copy
here is safer than a dead dependency.
"""

from __future__ import annotations

import math
from enum import StrEnum
from functools import lru_cache

import numpy as np
from pyproj import Transformer

__all__ = [
    "DEFAULT_METRIC",
    "Frame",
    "MetricFrame",
    "PROJECTED_EPSG",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "coords_from_metres",
    "coords_to_metres",
    "from_metres",
    "frame_to_metres",
    "frame_to_metres_array",
    "from_metres_array",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "metric_frame",
    "metric_frame_for",
    "out_of_china",
    "to_metres",
    "to_metres_array",
    "to_wgs84",
    "to_wgs84_array",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

PROJECTED_EPSG = 4548
"""CGCS2000 / 3-degree Gauss-Kruger CM 117E: the metre frame for Beijing."""

GEOGRAPHIC_EPSG = 4490
"""CGCS2000 geographic, the datum of EPSG:4548; WGS84 input is fed in as-is (treated equal)."""

# Krasovsky 1940 ellipsoid, as used by the published GCJ-02 formula.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
_BD_X_PI = math.pi * 3000.0 / 180.0

# Stop iterating once the inverse agrees to 1e-11 degree (about 1 micrometre).
_INVERSE_TOLERANCE_DEG = 1e-11
_INVERSE_MAX_ITERATIONS = 30


class Frame(StrEnum):
    """A geographic coordinate frame a point can arrive in."""

    WGS84 = "wgs84"
    CGCS2000 = "cgcs2000"
    GCJ02 = "gcj02"
    BD09 = "bd09"
    PROJECTED = "cgcs2000_gk39"
    """EPSG:4548 metres: "lon" is easting x, "lat" northing y."""


def out_of_china(lon: float, lat: float) -> bool:
    """True outside the rectangle where GCJ-02 applies (the standard, deliberately crude test)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _gcj_delta(lon, lat, xp=math):
    """The GCJ-02 offset (dlon, dlat) in degrees at a WGS84 point inside China.

    ``xp`` is ``math`` for floats or ``numpy`` for arrays: one formula for both.
    """
    pi = math.pi
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = xp.sqrt(xp.fabs(x))
    common = (20.0 * xp.sin(6.0 * x * pi) + 20.0 * xp.sin(2.0 * x * pi)) * 2.0 / 3.0

    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
    dlat += (20.0 * xp.sin(y * pi) + 40.0 * xp.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * xp.sin(y / 12.0 * pi) + 320.0 * xp.sin(y * pi / 30.0)) * 2.0 / 3.0

    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
    dlon += (20.0 * xp.sin(x * pi) + 40.0 * xp.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * xp.sin(x / 12.0 * pi) + 300.0 * xp.sin(x / 30.0 * pi)) * 2.0 / 3.0

    rad_lat = lat / 180.0 * pi
    magic = 1.0 - _GCJ_EE * xp.sin(rad_lat) ** 2
    sqrt_magic = xp.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrt_magic * xp.cos(rad_lat) * pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 -> GCJ-02 by the published formula; identity outside China."""
    if out_of_china(lon, lat):
        return lon, lat
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def _invert(forward, lon: float, lat: float) -> tuple[float, float]:
    """Solve forward(w) == (lon, lat) for w by fixed-point iteration.

    The offsets vary slowly (their derivative is about 1e-4), so each step gains about four
    digits; two or three steps reach the tolerance.
    """
    w_lon, w_lat = lon, lat
    for _ in range(_INVERSE_MAX_ITERATIONS):
        f_lon, f_lat = forward(w_lon, w_lat)
        d_lon, d_lat = lon - f_lon, lat - f_lat
        w_lon += d_lon
        w_lat += d_lat
        if abs(d_lon) < _INVERSE_TOLERANCE_DEG and abs(d_lat) < _INVERSE_TOLERANCE_DEG:
            break
    return w_lon, w_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 -> WGS84, iterated to well under 0.01 m; identity outside China."""
    if out_of_china(lon, lat):
        return lon, lat
    return _invert(wgs84_to_gcj02, lon, lat)


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 -> BD-09 by Baidu's published formula."""
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 -> GCJ-02, iterated (the usual one-step inverse is off by up to about 0.16 m)."""
    return _invert(gcj02_to_bd09, lon, lat)


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 -> BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 -> WGS84 (through GCJ-02), both steps iterated."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _identity(lon: float, lat: float) -> tuple[float, float]:
    return lon, lat


def _from_projected(x: float, y: float) -> tuple[float, float]:
    return from_metres(x, y)


_TO_WGS84 = {
    Frame.WGS84: _identity,
    Frame.CGCS2000: _identity,  # treated as equal to WGS84 (centimetres apart)
    Frame.GCJ02: gcj02_to_wgs84,
    Frame.BD09: bd09_to_wgs84,
    Frame.PROJECTED: _from_projected,
}


def to_wgs84(lon: float, lat: float, frame: Frame | str) -> tuple[float, float]:
    """Convert a point given in ``frame`` to WGS84. Raises ValueError for an unknown frame."""
    return _TO_WGS84[Frame(frame)](float(lon), float(lat))


def frame_to_metres(lon: float, lat: float, frame: Frame | str = Frame.WGS84) -> tuple[float, float]:
    """A point given in ``frame`` -> (x, y) metres in EPSG:4548 (identity for Frame.PROJECTED)."""
    frame = Frame(frame)
    if frame is Frame.PROJECTED:
        return float(lon), float(lat)
    return to_metres(*_TO_WGS84[frame](float(lon), float(lat)))


# ---- vectorised conversions (numpy arrays in, new arrays out) ----


def _out_of_china_array(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return ~((72.004 <= lon) & (lon <= 137.8347) & (0.8293 <= lat) & (lat <= 55.8271))


def _wgs84_to_gcj02_array(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_delta(lon, lat, np)
    outside = _out_of_china_array(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def _gcj02_to_bd09_array(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _invert_array(forward, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_invert`` for arrays: each point stops iterating when it converges, as the scalar does."""
    w_lon, w_lat = lon.copy(), lat.copy()
    active = np.arange(lon.size)
    for _ in range(_INVERSE_MAX_ITERATIONS):
        if active.size == 0:
            break
        f_lon, f_lat = forward(w_lon[active], w_lat[active])
        d_lon, d_lat = lon[active] - f_lon, lat[active] - f_lat
        w_lon[active] += d_lon
        w_lat[active] += d_lat
        active = active[~((np.abs(d_lon) < _INVERSE_TOLERANCE_DEG) & (np.abs(d_lat) < _INVERSE_TOLERANCE_DEG))]
    return w_lon, w_lat


def _gcj02_to_wgs84_array(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w_lon, w_lat = _invert_array(_wgs84_to_gcj02_array, lon, lat)
    outside = _out_of_china_array(lon, lat)
    return np.where(outside, lon, w_lon), np.where(outside, lat, w_lat)


def _bd09_to_wgs84_array(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _gcj02_to_wgs84_array(*_invert_array(_gcj02_to_bd09_array, lon, lat))


def to_wgs84_array(lon: np.ndarray, lat: np.ndarray, frame: Frame | str) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised ``to_wgs84``: arrays of lon and lat in ``frame`` -> WGS84 arrays (new arrays)."""
    frame = Frame(frame)
    lon = np.array(lon, dtype=float)
    lat = np.array(lat, dtype=float)
    if frame in (Frame.WGS84, Frame.CGCS2000):
        return lon, lat
    if frame is Frame.GCJ02:
        return _gcj02_to_wgs84_array(lon, lat)
    if frame is Frame.BD09:
        return _bd09_to_wgs84_array(lon, lat)
    return from_metres_array(lon, lat)


def frame_to_metres_array(
    lon: np.ndarray, lat: np.ndarray, frame: Frame | str = Frame.WGS84
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised ``frame_to_metres``: arrays in ``frame`` -> x and y metre arrays (EPSG:4548)."""
    frame = Frame(frame)
    if frame is Frame.PROJECTED:
        return np.array(lon, dtype=float), np.array(lat, dtype=float)
    return to_metres_array(*to_wgs84_array(lon, lat, frame))


@lru_cache(maxsize=1)
def _forward_transformer() -> Transformer:
    # pyproj >= 3.1 Transformers are thread-safe, so one cached instance serves every thread.
    return Transformer.from_crs(GEOGRAPHIC_EPSG, PROJECTED_EPSG, always_xy=True)


@lru_cache(maxsize=1)
def _inverse_transformer() -> Transformer:
    return Transformer.from_crs(PROJECTED_EPSG, GEOGRAPHIC_EPSG, always_xy=True)


def to_metres(lon: float, lat: float) -> tuple[float, float]:
    """WGS84/CGCS2000 lon/lat -> (x, y) metres in EPSG:4548 (x easting, y northing)."""
    x, y = _forward_transformer().transform(lon, lat)
    return float(x), float(y)


def from_metres(x: float, y: float) -> tuple[float, float]:
    """(x, y) metres in EPSG:4548 -> WGS84/CGCS2000 lon/lat."""
    lon, lat = _inverse_transformer().transform(x, y)
    return float(lon), float(lat)


def to_metres_array(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised ``to_metres``: arrays of lon and lat -> arrays of x and y (new arrays)."""
    x, y = _forward_transformer().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def from_metres_array(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised ``from_metres``: arrays of x and y -> arrays of lon and lat (new arrays)."""
    lon, lat = _inverse_transformer().transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def coords_to_metres(coords: np.ndarray) -> np.ndarray:
    """An (N, 2) lon/lat array -> an (N, 2) metre array; fits ``shapely.transform``."""
    x, y = to_metres_array(coords[:, 0], coords[:, 1])
    return np.column_stack((x, y))


def coords_from_metres(coords: np.ndarray) -> np.ndarray:
    """An (N, 2) metre array -> an (N, 2) lon/lat array; fits ``shapely.transform``."""
    lon, lat = from_metres_array(coords[:, 0], coords[:, 1])
    return np.column_stack((lon, lat))


# ---- a city's metric frame ----

#: CGCS2000 3-degree Gauss-Kruger zones without the zone number in the easting: EPSG:4534 has its
#: central meridian at 75E, each next code 3 degrees further east, EPSG:4554 at 135E.
GK3_FIRST_EPSG, GK3_FIRST_MERIDIAN, GK3_LAST_MERIDIAN = 4534, 75, 135


@lru_cache(maxsize=32)
def _transformers(epsg: int) -> tuple[Transformer, Transformer, str]:
    from pyproj import CRS

    crs = CRS.from_epsg(epsg)
    if not crs.is_projected:
        raise ValueError(f"EPSG:{epsg} ({crs.name}) is not a projected frame in metres")
    # Lon/lat are taken in the frame's own datum: CGCS2000 and WGS84 are centimetres apart.
    geographic = crs.geodetic_crs
    return (Transformer.from_crs(geographic, crs, always_xy=True),
            Transformer.from_crs(crs, geographic, always_xy=True), crs.name)


class MetricFrame:
    """A projected frame in metres (an EPSG code) for a city's distances and areas.

    ``to_metres``/``from_metres`` (scalars), the ``*_array`` forms and ``coords_to_metres``/
    ``coords_from_metres`` (for ``shapely.transform``) mirror the module-level functions.
    Raises ValueError for a code that is not a projected CRS. Instances for one code are
    interchangeable (equality and hash by ``epsg``)."""

    __slots__ = ("epsg", "name", "_fwd", "_inv")

    def __init__(self, epsg: int):
        self.epsg = int(epsg)
        self._fwd, self._inv, self.name = _transformers(self.epsg)

    def __eq__(self, other) -> bool:
        return isinstance(other, MetricFrame) and other.epsg == self.epsg

    def __hash__(self) -> int:
        return hash(self.epsg)

    def __repr__(self) -> str:
        return f"MetricFrame(EPSG:{self.epsg} {self.name})"

    @property
    def label(self) -> str:
        return f"EPSG:{self.epsg}"

    def to_metres(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self._fwd.transform(lon, lat)
        return float(x), float(y)

    def from_metres(self, x: float, y: float) -> tuple[float, float]:
        lon, lat = self._inv.transform(x, y)
        return float(lon), float(lat)

    def to_metres_array(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def from_metres_array(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = self._inv.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    def coords_to_metres(self, coords: np.ndarray) -> np.ndarray:
        return np.column_stack(self.to_metres_array(coords[:, 0], coords[:, 1]))

    def coords_from_metres(self, coords: np.ndarray) -> np.ndarray:
        return np.column_stack(self.from_metres_array(coords[:, 0], coords[:, 1]))


@lru_cache(maxsize=32)
def metric_frame(epsg: int | str) -> MetricFrame:
    """The MetricFrame of an EPSG code given as 4548, "4548" or "EPSG:4548"; ValueError else."""
    text = str(epsg).strip().upper().removeprefix("EPSG:")
    if not text.isdigit():
        raise ValueError(f"a metric frame is an EPSG code such as EPSG:4548, not {epsg!r}")
    return MetricFrame(int(text))


DEFAULT_METRIC = metric_frame(PROJECTED_EPSG)
"""EPSG:4548, the frame of the module-level functions (Beijing's Dongcheng)."""


def metric_frame_for(lon: float, lat: float, country: str | None = None,
                     explicit: int | str | None = None) -> MetricFrame:
    """The metric frame for a city centred at (``lon``, ``lat``).

    ``explicit`` (an EPSG code) wins. Else, for ``country`` "CN" (or no country and a point
    inside the GCJ-02 rectangle of ``out_of_china``), the CGCS2000 3-degree Gauss-Kruger zone
    whose central meridian is nearest (EPSG:4534-4554); for any other country the WGS84 UTM
    zone of ``lon`` (EPSG:326zz north of the equator, 327zz south; the Norway and Svalbard
    exceptions are not applied: name the frame explicitly there). Raises ValueError for
    coordinates off the earth or a bad explicit code."""
    if explicit not in (None, ""):
        return metric_frame(explicit)
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"no metric frame for lon {lon!r}, lat {lat!r}: not on the earth")
    in_china = (country or "").upper() == "CN" if country else not out_of_china(lon, lat)
    if in_china:
        meridian = min(max(3 * math.floor(lon / 3 + 0.5), GK3_FIRST_MERIDIAN), GK3_LAST_MERIDIAN)
        return metric_frame(GK3_FIRST_EPSG + (meridian - GK3_FIRST_MERIDIAN) // 3)
    zone = min(int((lon + 180) // 6) + 1, 60)
    return metric_frame((32600 if lat >= 0 else 32700) + zone)

"""Placing a point: which unit grid cell, community, street and duty grid hold it, and which
components are near it.

``PlacementIndex`` is built once from plain records (no ORM objects) and answers
``place(lon, lat, frame) -> Placement`` and, for many points at once, ``place_many``. Everything
is held projected to metres in the city's metric frame (``gis.frames.MetricFrame``, by default
EPSG:4548), so every distance is a true distance in metres, not degrees.

Storage, chosen for speed and memory at a million components (see ``gis.buckets``):
  * cells: shapely polygons in code order, an STRtree, and a bucket raster that answers about
    19 points in 20 without any geometry test (``gis.buckets``);
  * point components: numpy arrays (x, y, class id, owner and maintainer ids, code, code rank)
    bucketed on a uniform grid (``gis.components``);
  * line and polygon components: shapely geometries, listed per bucket of the same grid.
At a million components the whole index holds about 80-100 bytes a component (bench.placement).

Speed, from ``python -m bench.placement`` on the Beijing-sized synthetic: a single placement
(cell + nearest component of a class within 20 m) takes about 10 µs, ``place_many`` handles
several hundred thousand points a second; answers equal PostGIS's on 100,000 random points.

The index is read-only after construction and safe to share between threads. To pick up new map
data, build a new index and swap the reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from gis.buckets import OUTSIDE, CellBuckets
from gis.components import ComponentStore
from gis.frames import DEFAULT_METRIC, Frame, MetricFrame, to_wgs84, to_wgs84_array

__all__ = [
    "EDGE_TOLERANCE_M",
    "BulkPlacement",
    "CellRecord",
    "ComponentRecord",
    "DutyGridRecord",
    "NearbyComponent",
    "OutsideManagedArea",
    "Placement",
    "PlacementIndex",
]

EDGE_TOLERANCE_M = 0.01
"""A point within this distance (1 cm) of a cell counts as lying on it.

Projecting a point that is exactly on an edge in lon/lat lands it a few micrometres off the
projected edge; without a tolerance the edge rule would depend on round-off. 1 cm is far below
GPS accuracy and far above that round-off.
"""


@dataclass(frozen=True)
class CellRecord:
    """A unit grid cell as input to the index. ``geometry``: shapely Polygon, WGS84 lon/lat."""

    code: str
    community_code: str
    street_code: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class ComponentRecord:
    """A component as input to the index. ``geometry``: shapely Point, LineString or Polygon,
    WGS84 lon/lat."""

    code: str
    class_code: str
    geometry: BaseGeometry
    owner_code: str | None = None
    maintainer_code: str | None = None


@dataclass(frozen=True)
class DutyGridRecord:
    """A duty grid (责任网格) as input to the index: its cells and the usernames patrolling it."""

    code: str
    cell_codes: tuple[str, ...]
    supervisor_usernames: tuple[str, ...] = ()


@dataclass(frozen=True)
class NearbyComponent:
    """A component near a placed point; ``distance_m`` is metres to its geometry (0 if inside)."""

    code: str
    class_code: str
    distance_m: float
    owner_code: str | None
    maintainer_code: str | None


@dataclass(frozen=True)
class Placement:
    """Where a point falls.

    ``cell_code`` is the chosen cell; ``candidate_cells`` lists every cell within the point's
    accuracy, the chosen cell first, then by distance (ties by code). ``components`` are the
    nearby components, nearest first. ``duty_grid_code`` is the duty grid holding the chosen
    cell (None if the index was given no duty grid for it), ``supervisors`` its usernames.
    """

    cell_code: str
    community_code: str
    street_code: str
    candidate_cells: tuple[str, ...]
    components: tuple[NearbyComponent, ...]
    duty_grid_code: str | None = None
    supervisors: tuple[str, ...] = ()


@dataclass(frozen=True)
class BulkPlacement:
    """``place_many`` results, one entry per input point (numpy arrays of equal length).

    ``cell_code``: the chosen cell, "" outside every cell; ``component_code``: the nearest
    component (of the class asked for) within the radius, "" if none; ``distance_m``: its
    distance, NaN if none. Same rules as ``place`` with no accuracy and ``limit=1``.
    """

    cell_code: np.ndarray
    component_code: np.ndarray
    distance_m: np.ndarray


class OutsideManagedArea(ValueError):
    """The point is in no managed cell, and no cell is within its accuracy."""

    def __init__(self, lon: float, lat: float, frame: Frame | str = Frame.WGS84, accuracy_m: float = 0.0):
        self.lon = lon
        self.lat = lat
        self.frame = Frame(frame)
        self.accuracy_m = accuracy_m
        if self.frame is Frame.PROJECTED:
            where = f"point (x {lon:.3f}, y {lat:.3f}, {self.frame.value})"
        else:
            where = f"point (lon {lon:.7f}, lat {lat:.7f}, {self.frame.value})"
        if accuracy_m > 0:
            reason = f"lies outside every managed cell and no cell is within its accuracy of {accuracy_m:g} m"
        else:
            reason = "lies outside every managed cell"
        super().__init__(f"{where} {reason}")


def _to_metres_geoms(geoms: list[BaseGeometry], metric: MetricFrame) -> np.ndarray:
    if not geoms:
        return np.empty(0, dtype=object)
    # One vectorised pyproj call for all coordinates of all geometries.
    return shapely.transform(np.array(geoms, dtype=object), metric.coords_to_metres)


class PlacementIndex:
    """An in-memory spatial index of cells, components and duty grids.

    ``PlacementIndex(cells, components=(), duty_grids=())`` takes ``CellRecord``,
    ``ComponentRecord`` and ``DutyGridRecord`` iterables with WGS84 geometries. Raises
    ValueError for a duplicate code, an empty or non-polygonal cell geometry, an empty component
    geometry, or a duty grid naming an unknown cell. Cells are expected to tile the area without
    overlaps (the index does not check it; the map import does). A cell listed by several duty
    grids belongs to the one with the lowest code.

    ``metric`` is the city's metric frame (``gis.frames.metric_frame_for``); a point given in
    ``Frame.PROJECTED`` is x, y metres in that frame.
    """

    def __init__(
        self,
        cells: Iterable[CellRecord],
        components: Iterable[ComponentRecord] = (),
        duty_grids: Iterable[DutyGridRecord] = (),
        *,
        metric: MetricFrame = DEFAULT_METRIC,
    ):
        self.metric = metric
        cells = sorted(cells, key=lambda c: c.code)  # index order == code order: "lowest code" is "lowest index"
        _check_unique("cell", [c.code for c in cells])
        for cell in cells:
            if cell.geometry is None or cell.geometry.is_empty or cell.geometry.geom_type not in (
                "Polygon",
                "MultiPolygon",
            ):
                raise ValueError(f"cell {cell.code}: geometry must be a non-empty Polygon")
        self._cell_codes = [c.code for c in cells]
        self._cell_community = [c.community_code for c in cells]
        self._cell_street = [c.street_code for c in cells]
        self._bounds = tuple(float(v) for v in shapely.total_bounds([c.geometry for c in cells])) if cells else None
        self._cell_geoms = _to_metres_geoms([c.geometry for c in cells], metric)
        self._cell_tree = STRtree(self._cell_geoms)
        self._cell_buckets = CellBuckets(self._cell_geoms, EDGE_TOLERANCE_M, self._cell_tree) if cells else None
        del cells

        self._components = ComponentStore(components, _cell_bounds_m(self._cell_geoms), NearbyComponent, metric)
        grid_of_cell = _duty_grid_of_cell(duty_grids, self._cell_codes)
        # Everything a placement reports about a cell, in one tuple per cell.
        self._cell_info = [
            (code, community, street, *grid_of_cell.get(code, (None, ())))
            for code, community, street in zip(self._cell_codes, self._cell_community, self._cell_street)
        ]

    def _xy(self, lon: float, lat: float, frame: Frame | str) -> tuple[float, float]:
        """Metres in the index's frame of a finite point given in ``frame`` (non-finite when the
        frame cannot project it); raises ValueError for an unknown frame."""
        if frame == Frame.WGS84 or frame == Frame.CGCS2000:
            return self.metric.to_metres(lon, lat)
        if Frame(frame) is Frame.PROJECTED:
            return float(lon), float(lat)
        return self.metric.to_metres(*to_wgs84(lon, lat, frame))

    @property
    def cell_count(self) -> int:
        return len(self._cell_codes)

    @property
    def component_count(self) -> int:
        return len(self._components)

    @property
    def nbytes(self) -> int:
        """Bytes held in numpy arrays (bucket grids and component columns); GEOS geometries
        and Python objects are not counted."""
        return (self._cell_buckets.nbytes if self._cell_buckets else 0) + self._components.nbytes

    def bounds_wgs84(self) -> tuple[float, float, float, float]:
        """(minlon, minlat, maxlon, maxlat) of all cells. Raises ValueError if there are none."""
        if self._bounds is None:
            raise ValueError("the placement index has no cells")
        return self._bounds  # type: ignore[return-value]

    def place(
        self,
        lon: float,
        lat: float,
        frame: Frame | str = Frame.WGS84,
        *,
        accuracy_m: float = 0.0,
        class_code: str | None = None,
        radius_m: float = 20.0,
        limit: int = 5,
    ) -> Placement:
        """Place a point given in ``frame`` (default WGS84; for ``Frame.PROJECTED`` lon, lat are
        x, y metres).

        Cell rule, deterministic:
          1. The cells holding the point are those within ``EDGE_TOLERANCE_M`` (1 cm) of it:
             the containing cell, or, for a point on a shared edge or vertex, every cell that
             shares it. Among them the cell with the **lowest code** wins.
          2. Otherwise, if ``accuracy_m > 0``, the point snaps to the nearest cell within
             ``accuracy_m`` (ties: lowest code).
          3. Otherwise ``OutsideManagedArea`` is raised.

        ``candidate_cells``: every cell within ``max(accuracy_m, 1 cm)``, chosen cell first,
        then by distance, ties by code.

        Components: those within ``max(radius_m, accuracy_m)`` metres of the point, only of
        ``class_code`` when given, nearest first (ties by code), at most ``limit``.

        Raises ValueError for non-finite coordinates, a negative accuracy, radius or limit, or
        an unknown frame; a finite point the metre frame cannot project (far from its zone) is
        ``OutsideManagedArea``.
        """
        if not (accuracy_m >= 0 and radius_m >= 0 and limit >= 0):  # also refuses NaN
            raise ValueError("accuracy_m, radius_m and limit must be numbers, not negative")
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError(f"coordinates must be finite, got lon {lon!r}, lat {lat!r}")
        x, y = self._xy(lon, lat, frame)
        if not (math.isfinite(x) and math.isfinite(y)):
            # A real point the metre frame cannot project (far from its zone, e.g. the
            # Pacific): nowhere near any cell.
            raise OutsideManagedArea(lon, lat, frame, accuracy_m)

        cells = self._nearby_cells(x, y, accuracy_m)
        if not cells:
            raise OutsideManagedArea(lon, lat, frame, accuracy_m)
        code, community, street, grid_code, supervisors = self._cell_info[cells[0]]
        return Placement(  # positional: the hot path
            code,
            community,
            street,
            (code,) if len(cells) == 1 else tuple(self._cell_codes[i] for i in cells),
            self._components.nearby(x, y, max(radius_m, accuracy_m), class_code, limit),
            grid_code,
            supervisors,
        )

    def components_near(
        self,
        lon: float,
        lat: float,
        frame: Frame | str = Frame.WGS84,
        *,
        radius_m: float = 20.0,
        limit: int = 5,
        class_code: str | None = None,
    ) -> tuple[NearbyComponent, ...]:
        """The components within ``radius_m`` of a point, nearest first (ties by code), at most
        ``limit``; like ``place`` but for any point, inside the managed area or not (none for a
        point the metre frame cannot project). Raises ValueError for non-finite coordinates or a
        negative radius or limit."""
        if not (radius_m >= 0 and limit >= 0):
            raise ValueError("radius_m and limit must be numbers, not negative")
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise ValueError(f"coordinates must be finite, got lon {lon!r}, lat {lat!r}")
        x, y = self._xy(lon, lat, frame)
        if not (math.isfinite(x) and math.isfinite(y)):
            return ()  # a real point the metre frame cannot project: far from every component
        return self._components.nearby(x, y, radius_m, class_code, limit)

    def cells_touching(self, codes: Iterable[str], distance_m: float = 1.0) -> list[str]:
        """``codes`` plus every cell within ``distance_m`` of one of them (one ring of
        neighbours), in code order. Unknown codes are ignored."""
        position = {code: i for i, code in enumerate(self._cell_codes)}
        wanted = sorted({position[c] for c in codes if c in position})
        if not wanted:
            return []
        _, found = self._cell_tree.query(self._cell_geoms[wanted], predicate="dwithin",
                                         distance=distance_m)
        return [self._cell_codes[i] for i in sorted(set(found.tolist()) | set(wanted))]

    def _nearby_cells(self, x: float, y: float, accuracy_m: float) -> list[int]:
        """Indices of the cells within max(accuracy, 1 cm), in choosing order (see ``place``)."""
        buckets = self._cell_buckets
        if buckets is None:
            return []
        if accuracy_m <= EDGE_TOLERANCE_M:
            return buckets.lookup(x, y)  # only holding cells: ascending index is code order
        sole = buckets.sole_cell_within(x, y, accuracy_m)
        if sole is not None:
            return [sole]
        point = shapely.Point(x, y)
        idx = self._cell_tree.query(point, predicate="dwithin", distance=accuracy_m)
        if idx.size == 0:
            return []
        dist = shapely.distance(self._cell_geoms[idx], point)
        # Distances up to the edge tolerance sort as 0, so cells sharing an edge or vertex under
        # the point are ordered by code alone: that is the lowest-code rule.
        found = sorted((0.0 if d <= EDGE_TOLERANCE_M else d, i) for i, d in zip(idx.tolist(), dist.tolist()))
        return [i for _, i in found]

    def place_many(
        self,
        lons: np.ndarray,
        lats: np.ndarray,
        class_code: str | None = None,
        *,
        frame: Frame | str = Frame.WGS84,
        radius_m: float = 20.0,
    ) -> BulkPlacement:
        """Vectorised ``place`` for many points (no accuracy, at most one component each).

        Points outside every cell do not raise: their ``cell_code`` is "" (their nearest
        component is still reported). Non-finite coordinates give "" and no component. Raises
        ValueError for a negative radius or an unknown frame.
        """
        if not radius_m >= 0:
            raise ValueError("radius_m must be a number, not negative")
        frame = Frame(frame)
        if frame is Frame.PROJECTED:
            x, y = np.array(lons, dtype=float), np.array(lats, dtype=float)
        else:
            x, y = self.metric.to_metres_array(*to_wgs84_array(lons, lats, frame))
        finite = np.isfinite(x) & np.isfinite(y)
        cell = np.full(len(x), OUTSIDE, dtype=np.int64)
        if self._cell_buckets is not None and finite.any():
            cell[finite] = self._cell_buckets.lookup_many(x[finite], y[finite])
        codes = np.array(self._cell_codes + [""], dtype=str)
        comp_code, dist = self._components.nearest_many(x, y, radius_m, class_code, finite)
        return BulkPlacement(cell_code=codes[cell], component_code=comp_code, distance_m=dist)


def _cell_bounds_m(geoms: np.ndarray) -> tuple[float, float, float, float] | None:
    return tuple(float(v) for v in shapely.total_bounds(geoms)) if len(geoms) else None


def _duty_grid_of_cell(
    duty_grids: Iterable[DutyGridRecord], cell_codes: list[str]
) -> dict[str, tuple[str, tuple[str, ...]]]:
    """cell code -> (duty grid code, supervisors); a cell in several grids gets the lowest code."""
    grids = sorted(duty_grids, key=lambda g: g.code)
    _check_unique("duty grid", [g.code for g in grids])
    known = set(cell_codes)
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for grid in grids:
        for code in grid.cell_codes:
            if code not in known:
                raise ValueError(f"duty grid {grid.code}: unknown cell {code!r}")
            out.setdefault(code, (grid.code, tuple(grid.supervisor_usernames)))
    return out


def _check_unique(what: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise ValueError(f"duplicate {what} code {code!r}")
        seen.add(code)

"""Placing a point: which unit grid cell holds it, and which components are near it.

``PlacementIndex`` is built once from plain records (no ORM objects) and answers
``place(lon, lat) -> Placement`` from shapely STRtrees held in memory. All geometry is stored
projected to metres (``gis.frames.PROJECTED_EPSG``), so every distance it reports is a true
distance in metres, not degrees.

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

from gis.frames import Frame, coords_to_metres, to_metres, to_wgs84

__all__ = [
    "EDGE_TOLERANCE_M",
    "CellRecord",
    "ComponentRecord",
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
    nearby components, nearest first.
    """

    cell_code: str
    community_code: str
    street_code: str
    candidate_cells: tuple[str, ...]
    components: tuple[NearbyComponent, ...]


class OutsideManagedArea(ValueError):
    """The point is in no managed cell, and no cell is within its accuracy."""

    def __init__(self, lon: float, lat: float, frame: Frame | str = Frame.WGS84, accuracy_m: float = 0.0):
        self.lon = lon
        self.lat = lat
        self.frame = Frame(frame)
        self.accuracy_m = accuracy_m
        where = f"point (lon {lon:.7f}, lat {lat:.7f}, {self.frame.value})"
        if accuracy_m > 0:
            reason = f"lies outside every managed cell and no cell is within its accuracy of {accuracy_m:g} m"
        else:
            reason = "lies outside every managed cell"
        super().__init__(f"{where} {reason}")


def _to_metres_geoms(geoms: list[BaseGeometry]) -> np.ndarray:
    if not geoms:
        return np.empty(0, dtype=object)
    # One vectorised pyproj call for all coordinates of all geometries.
    return shapely.transform(np.array(geoms, dtype=object), coords_to_metres)


class PlacementIndex:
    """An in-memory spatial index of cells and components.

    ``PlacementIndex(cells, components=())`` takes ``CellRecord`` and ``ComponentRecord``
    iterables with WGS84 geometries. Raises ValueError for a duplicate code or an empty or
    non-polygonal cell geometry. Cells are expected to tile the area without overlaps (the
    index does not check it; the map import does).
    """

    def __init__(self, cells: Iterable[CellRecord], components: Iterable[ComponentRecord] = ()):
        cells = list(cells)
        components = list(components)
        _check_unique("cell", [c.code for c in cells])
        _check_unique("component", [c.code for c in components])
        for cell in cells:
            if cell.geometry is None or cell.geometry.is_empty or cell.geometry.geom_type not in (
                "Polygon",
                "MultiPolygon",
            ):
                raise ValueError(f"cell {cell.code}: geometry must be a non-empty Polygon")
        for comp in components:
            if comp.geometry is None or comp.geometry.is_empty:
                raise ValueError(f"component {comp.code}: geometry is empty")

        self._cells = tuple(cells)
        self._cell_codes = [c.code for c in cells]
        self._cell_geoms = _to_metres_geoms([c.geometry for c in cells])
        self._cell_tree = STRtree(self._cell_geoms)
        self._bounds = (
            tuple(float(v) for v in shapely.total_bounds([c.geometry for c in cells])) if cells else None
        )

        self._components = tuple(components)
        self._component_classes = np.array([c.class_code for c in components], dtype=object)
        self._component_geoms = _to_metres_geoms([c.geometry for c in components])
        self._component_tree = STRtree(self._component_geoms)

    @property
    def cell_count(self) -> int:
        return len(self._cells)

    @property
    def component_count(self) -> int:
        return len(self._components)

    def bounds_wgs84(self) -> tuple[float, float, float, float]:
        """(minlon, minlat, maxlon, maxlat) of all cells. Raises ValueError if there are none."""
        if self._bounds is None:
            raise ValueError("the placement index has no cells")
        return self._bounds  # type: ignore[return-value]

    def place(
        self,
        lon: float,
        lat: float,
        *,
        accuracy_m: float = 0.0,
        class_code: str | None = None,
        radius_m: float = 20.0,
        frame: Frame = Frame.WGS84,
        limit: int = 5,
    ) -> Placement:
        """Place a point given in ``frame`` (default WGS84).

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
        an unknown frame.
        """
        if not (accuracy_m >= 0 and radius_m >= 0 and limit >= 0):  # also refuses NaN
            raise ValueError("accuracy_m, radius_m and limit must be numbers, not negative")
        wlon, wlat = to_wgs84(lon, lat, frame)
        if not (math.isfinite(wlon) and math.isfinite(wlat)):
            raise ValueError(f"coordinates must be finite, got lon {lon!r}, lat {lat!r}")
        point = shapely.Point(*to_metres(wlon, wlat))

        cells = self._nearby_cells(point, max(accuracy_m, EDGE_TOLERANCE_M))
        # Cells are searched within max(accuracy, 1 cm): with no accuracy only holding cells can
        # be found, so an empty result is exactly rule 3 and a non-holding first cell is rule 2.
        if not cells:
            raise OutsideManagedArea(lon, lat, frame, accuracy_m)
        chosen = self._cells[cells[0][2]]

        reach = max(radius_m, accuracy_m)
        return Placement(
            cell_code=chosen.code,
            community_code=chosen.community_code,
            street_code=chosen.street_code,
            candidate_cells=tuple(code for _, code, _, _ in cells),
            components=self._nearby_components(point, reach, class_code, limit),
        )

    def _nearby_cells(self, point: shapely.Point, reach: float) -> list[tuple[float, str, int, float]]:
        """(sort key, code, index, distance) of cells within ``reach``, in choosing order.

        Distances up to the edge tolerance sort as 0, so the cells sharing an edge or vertex
        under the point are ordered by code alone: that is the lowest-code rule.
        """
        idx = self._cell_tree.query(point, predicate="dwithin", distance=reach)
        if idx.size == 0:
            return []
        dist = shapely.distance(self._cell_geoms[idx], point)
        found = [
            (0.0 if d <= EDGE_TOLERANCE_M else d, self._cell_codes[i], i, d)
            for i, d in zip(idx.tolist(), dist.tolist())
        ]
        found.sort()
        return found

    def _nearby_components(
        self, point: shapely.Point, reach: float, class_code: str | None, limit: int
    ) -> tuple[NearbyComponent, ...]:
        if limit == 0 or not self._components:
            return ()
        idx = self._component_tree.query(point, predicate="dwithin", distance=reach)
        if class_code is not None and idx.size:
            idx = idx[self._component_classes[idx] == class_code]
        if idx.size == 0:
            return ()
        dist = shapely.distance(self._component_geoms[idx], point)
        ranked = sorted(zip(dist.tolist(), idx.tolist()), key=lambda p: (p[0], self._components[p[1]].code))
        out = []
        for d, i in ranked[:limit]:
            comp = self._components[i]
            out.append(NearbyComponent(comp.code, comp.class_code, d, comp.owner_code, comp.maintainer_code))
        return tuple(out)


def _check_unique(what: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise ValueError(f"duplicate {what} code {code!r}")
        seen.add(code)

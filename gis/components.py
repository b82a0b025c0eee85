"""Component storage and nearest-component queries for ``gis.placement``.

Point components (nearly all of a census) live in numpy columns sorted by ``PointBuckets``:
x and y (float64 metres), class id (int16), owner and maintainer ids (int16 into small string
tables), the code (fixed-width bytes when ASCII) and its rank in code order (int32, to break
distance ties by code without comparing strings). Line and polygon components are kept as
shapely geometries in their own STRtree, queried only when the class asked for has any.

Distances are ``sqrt(dx*dx + dy*dy)`` in metres for points (the formula GEOS and PostGIS use, so
"within the radius" agrees with them to the last bit) and GEOS ``distance`` otherwise; a
component is near when its distance is <= the reach. Order: distance, then code.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np
import shapely

from gis.buckets import PointBuckets
from gis.frames import DEFAULT_METRIC, MetricFrame

__all__ = ["ComponentStore"]

_PYTHON_LOOP_MAX = 48  # candidates up to this many are filtered in Python: faster than numpy calls


def _table(values: list[str | None]) -> tuple[np.ndarray, list[str | None]]:
    """(id per value as int16/int32, table of distinct values with None first)."""
    table: dict[str | None, int] = {None: 0}
    ids = [table.setdefault(v or None, len(table)) for v in values]
    dtype = np.int16 if len(table) < 2**15 else np.int32
    return np.array(ids, dtype=dtype), list(table)


def _code_column(codes: list[str]) -> np.ndarray:
    try:
        return np.array(codes, dtype="S")  # 1 byte a character when ASCII (component codes are digits)
    except UnicodeEncodeError:
        return np.array(codes, dtype="U")


class ComponentStore:
    """All components of an index. ``result_type(code, class_code, distance_m, owner_code,
    maintainer_code)`` builds each result (``gis.placement.NearbyComponent``)."""

    def __init__(self, records: Iterable, cell_bounds: tuple[float, float, float, float] | None, result_type,
                 metric: MetricFrame = DEFAULT_METRIC):
        self._result_type = result_type
        records = list(records)
        n = len(records)
        codes = _code_column([r.code for r in records])
        order = np.argsort(codes, kind="stable")
        duplicate = np.flatnonzero(codes[order][1:] == codes[order][:-1])
        if duplicate.size:
            raise ValueError(f"duplicate component code {_text(codes[order][duplicate[0]])!r}")
        rank = np.empty(n, dtype=np.int32)
        rank[order] = np.arange(n, dtype=np.int32)
        geoms = np.array([r.geometry for r in records], dtype=object)
        bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if bad.any():
            raise ValueError(f"component {records[int(np.flatnonzero(bad)[0])].code}: geometry is empty")
        self.class_codes = sorted({r.class_code for r in records})
        self.class_id = {c: i for i, c in enumerate(self.class_codes)}
        cls = np.array([self.class_id[r.class_code] for r in records], dtype=np.int16)
        owner, self.departments = _table([r.owner_code for r in records] + [r.maintainer_code for r in records])
        maint, owner = owner[n:], owner[:n]
        del records
        self._n = n

        is_point = shapely.get_type_id(geoms) == 0
        pi = np.flatnonzero(is_point)
        x, y = metric.to_metres_array(*shapely.get_coordinates(geoms[pi]).T) if pi.size else (np.empty(0), np.empty(0))
        self.points = PointBuckets(x, y, rank[pi], _grow(cell_bounds, x, y))
        p = pi[self.points.order]
        self.p_cls, self.p_rank, self.p_owner, self.p_maint, self.p_code = cls[p], rank[p], owner[p], maint[p], codes[p]
        self._mv_offsets, self._mv_x, self._mv_y = (memoryview(a) for a in (self.points.offsets, self.points.x, self.points.y))
        self._mv_cls, self._mv_rank = memoryview(self.p_cls), memoryview(self.p_rank)
        self._mv_owner, self._mv_maint = memoryview(self.p_owner), memoryview(self.p_maint)

        o = np.flatnonzero(~is_point)
        self.o_geoms = shapely.transform(geoms[o], metric.coords_to_metres) if o.size else np.empty(0, dtype=object)
        self.o_tree = shapely.STRtree(self.o_geoms)
        self.o_bounds = shapely.bounds(self.o_geoms).reshape(-1, 4)
        self.o_cls, self.o_rank, self.o_owner, self.o_maint, self.o_code = cls[o], rank[o], owner[o], maint[o], codes[o]
        self.o_classes = set(self.o_cls.tolist())
        self._index_others()

    def __len__(self) -> int:
        return self._n

    @property
    def nbytes(self) -> int:
        cols = (self.p_cls, self.p_rank, self.p_owner, self.p_maint, self.p_code, self.o_offsets, self.o_ids)
        return self.points.nbytes + sum(c.nbytes for c in cols)

    def _class(self, class_code: str | None) -> int | None:
        """-1 for a class no component has, None for "any class"."""
        return None if class_code is None else self.class_id.get(class_code, -1)

    def nearby(self, x: float, y: float, reach: float, class_code: str | None, limit: int) -> tuple:
        """Components within ``reach`` of (x, y), of ``class_code`` if given: nearest first, ties
        by code, at most ``limit``, as ``NearbyComponent`` tuples."""
        cid = self._class(class_code)
        if limit == 0 or self._n == 0 or cid == -1:
            return ()
        found = self._near_points(x, y, reach, cid)
        if self.o_geoms.size and (cid is None or cid in self.o_classes):
            found += self._others_near(x, y, reach, cid)
        if not found:
            return ()
        found.sort()
        return tuple(self._result(d, source, i) for d, _, source, i in found[:limit])

    def _near_points(self, x: float, y: float, reach: float, cid: int | None) -> list:
        """(distance, rank, 0, position) of the point components within ``reach``.

        The hot path of a placement: plain Python over memoryviews of the numpy columns (one
        Python int or float per access, no temporary arrays) beats numpy calls for the few
        candidates a bucket row holds."""
        g = self.points
        c0 = max(math.floor((x - reach - g.x0) / g.size), 0)
        c1 = min(math.floor((x + reach - g.x0) / g.size), g.ncols - 1)
        r0 = max(math.floor((y - reach - g.y0) / g.size), 0)
        r1 = min(math.floor((y + reach - g.y0) / g.size), g.nrows - 1)
        off, px, py, cls, rank = self._mv_offsets, self._mv_x, self._mv_y, self._mv_cls, self._mv_rank
        found = []
        for row in range(r0, r1 + 1):
            base = row * g.ncols
            a, b = off[base + c0], off[base + c1 + 1]
            if b - a > _PYTHON_LOOP_MAX:
                found += self._near_points_numpy(x, y, reach, cid, a, b)
                continue
            for i in range(a, b):
                if cid is not None and cls[i] != cid:
                    continue
                dx, dy = px[i] - x, py[i] - y
                d = math.sqrt(dx * dx + dy * dy)
                if d <= reach:
                    found.append((d, rank[i], 0, i))
        return found

    def _near_points_numpy(self, x: float, y: float, reach: float, cid: int | None, a: int, b: int) -> list:
        px, py = self.points.x, self.points.y
        dx, dy = px[a:b] - x, py[a:b] - y
        d = np.sqrt(dx * dx + dy * dy)
        keep = d <= reach
        if cid is not None:
            keep &= self.p_cls[a:b] == cid
        j = np.flatnonzero(keep)
        return list(zip(d[j].tolist(), self.p_rank[a + j].tolist(), [0] * j.size, (a + j).tolist()))

    def _index_others(self) -> None:
        """Lines and polygons on the point grid: each listed in every bucket its bounding box
        meets (CSR: ``o_offsets`` per bucket into ``o_ids``), so a placement finds the few
        candidates without an STRtree query, and none at all for most points."""
        g = self.points
        b = self.o_bounds
        c_lo = np.clip(np.floor((b[:, 0] - g.x0) / g.size).astype(np.int64), 0, g.ncols - 1)
        c_hi = np.clip(np.floor((b[:, 2] - g.x0) / g.size).astype(np.int64), 0, g.ncols - 1)
        r_lo = np.clip(np.floor((b[:, 1] - g.y0) / g.size).astype(np.int64), 0, g.nrows - 1)
        r_hi = np.clip(np.floor((b[:, 3] - g.y0) / g.size).astype(np.int64), 0, g.nrows - 1)
        width = c_hi - c_lo + 1
        counts = width * (r_hi - r_lo + 1)
        geom = np.repeat(np.arange(len(b)), counts)
        local = np.arange(len(geom)) - np.repeat(np.cumsum(counts) - counts, counts)
        bucket = (r_lo[geom] + local // width[geom]) * g.ncols + c_lo[geom] + local % width[geom]
        order = np.argsort(bucket, kind="stable")
        self.o_ids = geom[order].astype(np.int32)
        self.o_offsets = np.concatenate(([0], np.cumsum(np.bincount(bucket, minlength=g.ncols * g.nrows)))).astype(np.int32)
        self._mv_o_offsets, self._mv_o_ids = memoryview(self.o_offsets), memoryview(self.o_ids)

    def _others_near(self, x: float, y: float, reach: float, cid: int | None) -> list:
        """(distance, rank, 1, index) of the lines and polygons within ``reach``. A geometry
        whose bounding box misses the square of half-side ``reach`` is farther than ``reach``,
        so the buckets that square meets hold every candidate."""
        g = self.points
        c0 = max(math.floor((x - reach - g.x0) / g.size), 0)
        c1 = min(math.floor((x + reach - g.x0) / g.size), g.ncols - 1)
        r0 = max(math.floor((y - reach - g.y0) / g.size), 0)
        r1 = min(math.floor((y + reach - g.y0) / g.size), g.nrows - 1)
        off, ids = self._mv_o_offsets, self._mv_o_ids
        cands = set()
        for row in range(r0, r1 + 1):
            base = row * g.ncols
            cands.update(ids[off[base + c0] : off[base + c1 + 1]])
        if cid is not None:
            cands = [j for j in cands if self.o_cls[j] == cid]
        if not cands:
            return []
        j = np.array(sorted(cands), dtype=np.int64)
        d = shapely.distance(self.o_geoms[j], shapely.Point(x, y))
        keep = d <= reach
        return list(zip(d[keep].tolist(), self.o_rank[j[keep]].tolist(), [1] * int(keep.sum()), j[keep].tolist()))

    def _near_others(self, x: np.ndarray, y: np.ndarray, reach: float, cid: int | None) -> np.ndarray:
        """A cheap filter for bulk queries: True for points in a fine raster cell that the
        bounding box (grown by ``reach``) of a line or polygon of the class reaches. Saves
        building a shapely point and an STRtree query for most points."""
        bounds = self.o_bounds if cid is None else self.o_bounds[self.o_cls == cid]
        if not len(bounds):
            return np.zeros(len(x), dtype=bool)
        x0, y0 = bounds[:, 0].min() - reach, bounds[:, 1].min() - reach
        x1, y1 = bounds[:, 2].max() + reach, bounds[:, 3].max() + reach
        size = max(reach / 2, math.sqrt((x1 - x0) * (y1 - y0) / 20_000_000), 1.0)
        ncols, nrows = int((x1 - x0) / size) + 1, int((y1 - y0) / size) + 1
        c_lo = np.floor((bounds[:, 0] - reach - x0) / size).astype(np.int64)
        c_hi = np.floor((bounds[:, 2] + reach - x0) / size).astype(np.int64)
        r_lo = np.floor((bounds[:, 1] - reach - y0) / size).astype(np.int64)
        r_hi = np.floor((bounds[:, 3] + reach - y0) / size).astype(np.int64)
        width = c_hi - c_lo + 1
        counts = width * (r_hi - r_lo + 1)
        g = np.repeat(np.arange(len(bounds)), counts)
        local = np.arange(len(g)) - np.repeat(np.cumsum(counts) - counts, counts)
        marked = np.zeros(ncols * nrows, dtype=bool)
        marked[(r_lo[g] + local // width[g]) * ncols + c_lo[g] + local % width[g]] = True
        c = np.floor((x - x0) / size).astype(np.int64)
        r = np.floor((y - y0) / size).astype(np.int64)
        inside = (c >= 0) & (c < ncols) & (r >= 0) & (r < nrows)
        out = np.zeros(len(x), dtype=bool)
        out[inside] = marked[r[inside] * ncols + c[inside]]
        return out

    def _result(self, d: float, source: int, i: int):
        cls, owner, maint, code = (
            (self._mv_cls, self._mv_owner, self._mv_maint, self.p_code)
            if source == 0  # 0: the point components, 1: the others
            else (self.o_cls, self.o_owner, self.o_maint, self.o_code)
        )
        depts = self.departments
        return self._result_type(_text(code[i]), self.class_codes[cls[i]], d, depts[owner[i]], depts[maint[i]])

    def nearest_many(
        self, x: np.ndarray, y: np.ndarray, reach: float, class_code: str | None, valid: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each point, (code, distance) of the nearest component within ``reach`` of the
        class (ties by code); ("", NaN) when there is none or ``valid`` is False."""
        n = len(x)
        codes = np.zeros(n, dtype=self.p_code.dtype)  # b"" / "" where nothing is found
        dist = np.full(n, np.nan)
        cid = self._class(class_code)
        if self._n == 0 or cid == -1 or not valid.any():
            return codes.astype(str), dist
        q = np.flatnonzero(valid)
        xq, yq = x[q], y[q]
        parts = []  # (query index, distance, rank, source, position) per candidate within reach
        for qi, pos in self.points.candidate_pairs(xq, yq, reach):
            if cid is not None:
                keep = self.p_cls[pos] == cid
                qi, pos = qi[keep], pos[keep]
            dx, dy = self.points.x[pos] - xq[qi], self.points.y[pos] - yq[qi]
            d = np.sqrt(dx * dx + dy * dy)
            keep = d <= reach
            parts.append((qi[keep], d[keep], self.p_rank[pos[keep]], np.zeros(int(keep.sum()), np.int8), pos[keep]))
        if self.o_geoms.size and (cid is None or cid in self.o_classes):
            near = np.flatnonzero(self._near_others(xq, yq, reach, cid))
            pts = shapely.points(xq[near], yq[near])
            k, j = self.o_tree.query(pts, predicate="dwithin", distance=reach)
            if cid is not None:
                keep = self.o_cls[j] == cid
                k, j = k[keep], j[keep]
            d = shapely.distance(self.o_geoms[j], pts[k])
            parts.append((near[k], d, self.o_rank[j], np.ones(len(j), np.int8), j))
        if not parts:
            return codes.astype(str), dist
        qi, d, rank, source, pos = (np.concatenate(c) for c in zip(*parts))
        # Per query point: the least distance, then among the candidates at it the least rank
        # (ranks are unique, so one candidate remains). Two ufunc.at passes beat a lexsort.
        least = np.full(len(q), np.inf)
        np.minimum.at(least, qi, d)
        at_least = np.flatnonzero(d == least[qi])
        best_rank = np.full(len(q), np.iinfo(np.int64).max)
        np.minimum.at(best_rank, qi[at_least], rank[at_least].astype(np.int64))
        first = at_least[rank[at_least] == best_rank[qi[at_least]]]
        from_points = source[first] == 0
        codes[q[qi[first[from_points]]]] = self.p_code[pos[first[from_points]]]
        codes[q[qi[first[~from_points]]]] = self.o_code[pos[first[~from_points]]]
        dist[q[qi[first]]] = d[first]
        return codes.astype(str), dist


def _text(code) -> str:
    return code.decode("ascii") if isinstance(code, bytes) else str(code)


def _grow(bounds, x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """The union of the cells' bounds and the points' bounds (either may be missing)."""
    boxes = [bounds] if bounds is not None else []
    if x.size:
        boxes.append((float(x.min()), float(y.min()), float(x.max()), float(y.max())))
    if not boxes:
        return (0.0, 0.0, 1.0, 1.0)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))

"""Uniform bucket grids behind ``gis.placement``: cells by raster, point components by CSR.

Both grids are in projected metres and use the same bucket arithmetic: a coordinate v falls in
bucket ``floor((v - origin) / size)``, computed as an IEEE division followed by floor both in the
scalar (``math.floor``) and the vectorised (``np.floor``) paths, so a point always lands in the
same bucket whichever path looks it up. Division followed by floor is monotone, which is what
makes the "mark every bucket of a bounding box" arguments below exact.

``CellBuckets``: every bucket holds either

  * a cell index (>= 0): the whole bucket lies inside that cell and farther than twice the edge
    tolerance from any cell boundary, so every point in it belongs to that cell alone;
  * ``OUTSIDE`` (-1): the whole bucket lies outside every cell, by the same margin;
  * a mixed id (<= -2): some cell boundary passes within twice the tolerance; the bucket lists
    the cells whose bounding box (grown by that margin) reaches it, in index order, and the
    caller tests those exactly.

So the raster is only a filter: answers for mixed buckets always come from exact GEOS
predicates, and the unmixed answers are exact by construction.

``PointBuckets``: points sorted by bucket (row-major), then by a caller-given rank; ``offsets``
gives each bucket's slice (compressed sparse rows). A disc query reads one contiguous slice per
bucket row (``gis.components`` walks them for single points; ``candidate_pairs`` for arrays).

Memory: the cell raster is 4 bytes a bucket (buckets of about 1/8 of a cell's side, at most
``MAX_BUCKETS``), the point grid 4 or 8 bytes a bucket (about two points a bucket).
"""

from __future__ import annotations

import math

import numpy as np
import shapely

__all__ = ["MAX_BUCKETS", "OUTSIDE", "CellBuckets", "PointBuckets"]

OUTSIDE = -1
MAX_BUCKETS = 8_000_000
_BUCKETS_PER_CELL_SIDE = 8
_POINTS_PER_BUCKET = 2.0


def _grid(minx: float, miny: float, maxx: float, maxy: float, size: float) -> tuple[float, float, float, int, int]:
    """(size, x0, y0, ncols, nrows) for a grid with one empty bucket of margin on every side;
    ``size`` grows until the grid has at most MAX_BUCKETS buckets."""
    while ((maxx - minx) / size + 3) * ((maxy - miny) / size + 3) > MAX_BUCKETS:
        size *= 1.25
    x0, y0 = minx - size, miny - size
    ncols = int(math.floor((maxx - x0) / size)) + 2
    nrows = int(math.floor((maxy - y0) / size)) + 2
    return size, x0, y0, ncols, nrows


class CellBuckets:
    """A raster over polygons (numpy array of shapely geometries in metres, caller's order).

    ``tolerance``: the distance under which a point counts as on a cell (the edge rule).
    ``lookup(x, y)`` returns every cell index within ``tolerance`` of the point, ascending.

    Single-edge buckets: a mixed bucket that exactly one boundary segment reaches (within the
    margin of twice the tolerance) and crosses is cut by it into two pieces, each inside one cell
    (or outside): every other segment is farther than the margin, and the segment's end points
    are too (a ring goes on from an end point, so the next segment would reach the bucket). A
    point farther than the margin from the segment's line is therefore decided by the side of
    the line it lies on; only points closer than that (a 4 cm band) need GEOS.
    """

    def __init__(self, geoms: np.ndarray, tolerance: float, tree: shapely.STRtree):
        self.geoms = geoms
        self.tolerance = tolerance
        self.tree = tree
        self.margin = margin = 2.0 * tolerance
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        mean_side = math.sqrt(float(np.mean(shapely.area(geoms))))
        self.size, self.x0, self.y0, self.ncols, self.nrows = _grid(
            minx, miny, maxx, maxy, max(mean_side / _BUCKETS_PER_CELL_SIDE, 8.0 * margin, 0.5)
        )
        segments = _Segments(geoms)
        marked, only = self._mark_boundaries(segments, margin)
        raster = np.full(self.ncols * self.nrows, OUTSIDE, dtype=np.int32)
        self._fill_interior(raster, marked)
        self._fill_mixed(raster, marked, margin)
        self._single_edges(raster, segments, only)
        self.raster = raster
        self._raster = memoryview(raster)  # Python ints on indexing: the single-point path

    def _bucket(self, v: np.ndarray, origin: float) -> np.ndarray:
        return np.floor((v - origin) / self.size).astype(np.int64)

    def _mark_boundaries(self, seg: "_Segments", margin: float) -> tuple[np.ndarray, np.ndarray]:
        """Every bucket within ``margin`` of a ring: each segment is cut into pieces no longer
        than half a bucket, and every bucket of a piece's bounding box (grown by the margin,
        so at most 2 x 2 buckets) is marked. A superset of the buckets the rings reach.
        Also returns, per bucket, the one (undirected) segment marking it, or -1 for none or
        several."""
        ax, ay, bx, by = seg.ax, seg.ay, seg.bx, seg.by
        pieces = np.maximum(1, np.ceil(np.maximum(abs(bx - ax), abs(by - ay)) / (self.size / 2))).astype(np.int64)
        s = np.repeat(np.arange(len(ax)), pieces)
        first = np.cumsum(pieces) - pieces
        k = pieces[s]
        j = np.arange(len(s)) - first[s]
        t0, t1 = j / k, (j + 1) / k
        dx, dy = (bx - ax)[s], (by - ay)[s]
        px0, px1 = ax[s] + dx * t0, ax[s] + dx * t1
        py0, py1 = ay[s] + dy * t0, ay[s] + dy * t1
        c_lo = self._bucket(np.minimum(px0, px1) - margin, self.x0)
        c_hi = self._bucket(np.maximum(px0, px1) + margin, self.x0)
        r_lo = self._bucket(np.minimum(py0, py1) - margin, self.y0)
        r_hi = self._bucket(np.maximum(py0, py1) + margin, self.y0)
        n = self.ncols * self.nrows
        marked = np.zeros(n, dtype=bool)
        low = np.full(n, np.iinfo(np.int32).max, dtype=np.int32)
        high = np.full(n, -1, dtype=np.int32)
        u = seg.undirected[s]
        for dc in (0, 1):
            for dr in (0, 1):
                ok = (c_lo + dc <= c_hi) & (r_lo + dr <= r_hi)
                bucket = (r_lo[ok] + dr) * self.ncols + c_lo[ok] + dc
                marked[bucket] = True
                np.minimum.at(low, bucket, u[ok])
                np.maximum.at(high, bucket, u[ok])
        return marked, np.where(marked & (low == high), high, -1)

    def _fill_interior(self, raster: np.ndarray, marked: np.ndarray) -> None:
        """Unmarked buckets: a run of them along a row crosses no boundary, so one point-in-cell
        query (the centre of the run's first bucket) answers the whole run."""
        free = ~marked.reshape(self.nrows, self.ncols)
        previous = np.zeros_like(free)
        previous[:, 1:] = free[:, :-1]
        starts = (free & ~previous).ravel()
        flat_free = free.ravel()
        run = np.cumsum(starts) - 1
        first = np.flatnonzero(starts)
        cx = self.x0 + (first % self.ncols + 0.5) * self.size
        cy = self.y0 + (first // self.ncols + 0.5) * self.size
        pt, cell = self.tree.query(shapely.points(cx, cy), predicate="intersects")
        owner = np.full(len(first), np.iinfo(np.int32).max, dtype=np.int64)
        np.minimum.at(owner, pt, cell)  # overlapping cells (bad data): the lowest index wins
        owner[owner == np.iinfo(np.int32).max] = OUTSIDE
        raster[flat_free] = owner[run[flat_free]]

    def _fill_mixed(self, raster: np.ndarray, marked: np.ndarray, margin: float) -> None:
        """Marked buckets get a mixed id and the list of cells whose grown bounding box reaches
        them (every cell within ``tolerance`` of a point of the bucket is among them)."""
        mixed = np.flatnonzero(marked)
        raster[mixed] = -2 - np.arange(len(mixed), dtype=np.int32)
        b = shapely.bounds(self.geoms)
        c_lo, c_hi = self._bucket(b[:, 0] - margin, self.x0), self._bucket(b[:, 2] + margin, self.x0)
        r_lo, r_hi = self._bucket(b[:, 1] - margin, self.y0), self._bucket(b[:, 3] + margin, self.y0)
        width = c_hi - c_lo + 1
        counts = width * (r_hi - r_lo + 1)
        cell = np.repeat(np.arange(len(self.geoms)), counts)
        local = np.arange(len(cell)) - np.repeat(np.cumsum(counts) - counts, counts)
        bucket = (r_lo[cell] + local // width[cell]) * self.ncols + c_lo[cell] + local % width[cell]
        keep = marked[bucket]
        cell, bucket = cell[keep], bucket[keep]
        mixed_id = -2 - raster[bucket]
        order = np.lexsort((cell, mixed_id))
        self.candidates = cell[order].astype(np.int32)
        self.candidate_offsets = np.concatenate(([0], np.cumsum(np.bincount(mixed_id, minlength=len(mixed)))))

    def _single_edges(self, raster: np.ndarray, seg: "_Segments", only: np.ndarray) -> None:
        """``edge_of_mixed[k]``: the segment cutting mixed bucket k (see the class docstring),
        or -1; the segment table: canonical end points, length and the cell on each side."""
        mixed = np.flatnonzero(raster <= -2)
        u = only[mixed]
        ok = np.flatnonzero(u >= 0)
        ok = ok[~seg.conflict[u[ok]]]
        rows, cols = np.divmod(mixed[ok], self.ncols)
        boxes = shapely.box(self.x0 + cols * self.size, self.y0 + rows * self.size,
                            self.x0 + (cols + 1) * self.size, self.y0 + (rows + 1) * self.size)
        crosses = shapely.intersects(seg.lines[u[ok]], boxes)
        self.edge_of_mixed = np.full(len(mixed), -1, dtype=np.int32)
        self.edge_of_mixed[-2 - raster[mixed[ok[crosses]]]] = u[ok[crosses]]
        self.edges = np.stack([seg.ux0, seg.uy0, seg.ux1, seg.uy1, np.hypot(seg.ux1 - seg.ux0, seg.uy1 - seg.uy0)], axis=1)
        self.edge_cells = np.stack([seg.left, seg.right], axis=1).astype(np.int32)
        self._edge_of_mixed = memoryview(self.edge_of_mixed)
        self._edges = memoryview(self.edges)  # 2-D: [u, 0..4]
        self._edge_cells = memoryview(self.edge_cells)

    @property
    def nbytes(self) -> int:
        arrays = (self.raster, self.candidates, self.candidate_offsets, self.edge_of_mixed, self.edges, self.edge_cells)
        return sum(a.nbytes for a in arrays)

    def lookup(self, x: float, y: float) -> list[int]:
        """Indices of the cells within ``tolerance`` of (x, y), ascending."""
        c = math.floor((x - self.x0) / self.size)
        r = math.floor((y - self.y0) / self.size)
        if not (0 <= c < self.ncols and 0 <= r < self.nrows):
            return []
        v = self._raster[r * self.ncols + c]
        if v >= 0:
            return [v]
        if v == OUTSIDE:
            return []
        k = -2 - v
        u = self._edge_of_mixed[k]
        if u >= 0:
            e = self._edges
            ax, ay = e[u, 0], e[u, 1]
            side = ((e[u, 2] - ax) * (y - ay) - (e[u, 3] - ay) * (x - ax)) / e[u, 4]  # > 0: left
            if side > self.margin or side < -self.margin:
                cell = self._edge_cells[u, 0 if side > 0 else 1]
                return [cell] if cell >= 0 else []
        cands = self.candidates[self.candidate_offsets[k] : self.candidate_offsets[k + 1]]
        hits = shapely.dwithin(self.geoms[cands], shapely.Point(x, y), self.tolerance)
        return cands[hits].tolist()

    def sole_cell_within(self, x: float, y: float, reach: float) -> int | None:
        """The cell index if every bucket of the square of half-side ``reach`` around (x, y) lies
        inside that one cell (so it is the only cell within ``reach``); otherwise None."""
        c0, c1 = math.floor((x - reach - self.x0) / self.size), math.floor((x + reach - self.x0) / self.size)
        r0, r1 = math.floor((y - reach - self.y0) / self.size), math.floor((y + reach - self.y0) / self.size)
        if c0 < 0 or r0 < 0 or c1 >= self.ncols or r1 >= self.nrows:
            return None
        block = self.raster.reshape(self.nrows, self.ncols)[r0 : r1 + 1, c0 : c1 + 1]
        first = int(block[0, 0])
        if first >= 0 and bool((block == first).all()):
            return first
        return None

    def lookup_many(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """For each point, the lowest cell index within ``tolerance``, or OUTSIDE (int64 array)."""
        c = self._bucket(x, self.x0)
        r = self._bucket(y, self.y0)
        inside = (c >= 0) & (c < self.ncols) & (r >= 0) & (r < self.nrows)
        out = np.full(len(x), OUTSIDE, dtype=np.int64)
        out[inside] = self.raster[r[inside] * self.ncols + c[inside]]
        mixed = np.flatnonzero(out <= -2)
        if mixed.size:  # single-edge buckets: the side of the line, away from it
            u = self.edge_of_mixed[-2 - out[mixed]]
            has = np.flatnonzero(u >= 0)
            e = self.edges[u[has]]
            px, py = x[mixed[has]], y[mixed[has]]
            side = ((e[:, 2] - e[:, 0]) * (py - e[:, 1]) - (e[:, 3] - e[:, 1]) * (px - e[:, 0])) / e[:, 4]
            clear = np.abs(side) > self.margin
            cells = self.edge_cells[u[has[clear]], np.where(side[clear] > 0, 0, 1)]
            out[mixed[has[clear]]] = cells  # OUTSIDE (-1) where no cell is on that side
            undecided = np.ones(mixed.size, dtype=bool)
            undecided[has[clear]] = False
            mixed = mixed[undecided]
        if mixed.size:
            pt, cell = self.tree.query(shapely.points(x[mixed], y[mixed]), predicate="dwithin", distance=self.tolerance)
            best = np.full(mixed.size, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(best, pt, cell)
            best[best == np.iinfo(np.int64).max] = OUTSIDE
            out[mixed] = best
        return out


class _Segments:
    """The boundary segments of all rings: directed (``ax..by``, one per ring edge, with its
    cell) and undirected (``undirected`` maps each directed one to a canonical segment ``u``
    with end points ``ux0..uy1`` ordered lexicographically, its LineString, the cell on its left
    and on its right (OUTSIDE if none) and ``conflict`` if two cells claim one side)."""

    def __init__(self, geoms: np.ndarray):
        parts, part_cell = shapely.get_parts(geoms, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        exterior = np.r_[True, ring_part[1:] != ring_part[:-1]] if len(rings) else np.zeros(0, bool)
        interior_left = exterior == shapely.is_ccw(rings)  # CCW shells and CW holes: inside on the left
        coords, ring = shapely.get_coordinates(rings, return_index=True)
        same = ring[1:] == ring[:-1]
        self.ax, self.ay = coords[:-1][same].T
        self.bx, self.by = coords[1:][same].T
        ring_of = ring[:-1][same]
        cell = part_cell[ring_part[ring_of]]
        swap = (self.ax > self.bx) | ((self.ax == self.bx) & (self.ay > self.by))
        canon = np.stack([np.where(swap, self.bx, self.ax), np.where(swap, self.by, self.ay),
                          np.where(swap, self.ax, self.bx), np.where(swap, self.ay, self.by)], axis=1)
        unique, self.undirected = np.unique(canon, axis=0, return_inverse=True)
        self.undirected = self.undirected.ravel().astype(np.int32)
        self.ux0, self.uy0, self.ux1, self.uy1 = unique.T
        self.lines = shapely.linestrings(np.stack([unique[:, :2], unique[:, 2:]], axis=1)) if len(unique) else np.empty(0, object)
        left_side = interior_left[ring_of] != swap
        n = len(unique)
        self.conflict = np.zeros(n, dtype=bool)
        sides = []
        for on_left in (True, False):
            sel = left_side == on_left
            low = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
            high = np.full(n, -1, dtype=np.int64)
            np.minimum.at(low, self.undirected[sel], cell[sel])
            np.maximum.at(high, self.undirected[sel], cell[sel])
            self.conflict |= (high >= 0) & (low != high)
            sides.append(np.where(high >= 0, high, OUTSIDE))
        self.left, self.right = sides
        self.conflict |= (self.ux0 == self.ux1) & (self.uy0 == self.uy1)  # a zero-length segment


class PointBuckets:
    """Points (x, y metre arrays) bucketed for disc queries.

    ``order`` is the permutation applied: callers index their own per-point arrays with it.
    Inside a bucket, points are sorted by ``rank`` (ascending), so equal-distance ties can be
    broken by rank.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, rank: np.ndarray, bounds: tuple[float, float, float, float]):
        minx, miny, maxx, maxy = bounds
        area = max((maxx - minx) * (maxy - miny), 1.0)
        size = max(math.sqrt(area * _POINTS_PER_BUCKET / max(len(x), 1)), 1.0)
        self.size, self.x0, self.y0, self.ncols, self.nrows = _grid(minx, miny, maxx, maxy, size)
        c = np.clip(np.floor((x - self.x0) / self.size).astype(np.int64), 0, self.ncols - 1)
        r = np.clip(np.floor((y - self.y0) / self.size).astype(np.int64), 0, self.nrows - 1)
        key = r * self.ncols + c
        self.order = np.lexsort((rank, key))
        self.x = np.ascontiguousarray(x[self.order])
        self.y = np.ascontiguousarray(y[self.order])
        counts = np.bincount(key, minlength=self.ncols * self.nrows)
        dtype = np.int32 if len(x) < 2**31 else np.int64
        self.offsets = np.concatenate(([0], np.cumsum(counts))).astype(dtype)

    @property
    def nbytes(self) -> int:
        return self.x.nbytes + self.y.nbytes + self.offsets.nbytes

    def candidate_pairs(self, x: np.ndarray, y: np.ndarray, reach: float):
        """Yield (point index, sorted position) pair arrays, one bucket-row band at a time,
        covering every sorted point within ``reach`` of each query point (a superset)."""
        c0 = np.clip(np.floor((x - reach - self.x0) / self.size).astype(np.int64), 0, self.ncols - 1)
        c1 = np.clip(np.floor((x + reach - self.x0) / self.size).astype(np.int64), -1, self.ncols - 1)
        r0 = np.floor((y - reach - self.y0) / self.size).astype(np.int64)
        r1 = np.floor((y + reach - self.y0) / self.size).astype(np.int64)
        span = int((r1 - r0).max()) + 1 if len(x) else 0
        for t in range(span):
            row = r0 + t
            ok = (row <= r1) & (row >= 0) & (row < self.nrows) & (c0 <= c1)
            q = np.flatnonzero(ok)
            base = row[q] * self.ncols
            a = self.offsets[base + c0[q]].astype(np.int64)
            n = self.offsets[base + c1[q] + 1].astype(np.int64) - a
            total = int(n.sum())
            if total == 0:
                continue
            qi = np.repeat(q, n)
            pos = np.arange(total) - np.repeat(np.cumsum(n) - n, n) + np.repeat(a, n)
            yield qi, pos

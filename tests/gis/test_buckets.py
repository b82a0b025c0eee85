"""The bucket grids behind gis.placement give exactly what a brute-force GEOS search gives.

A jittered 16 x 14 grid of quadrilaterals (about 60 m) with a courtyard cell inside a hole of
another, a two-part cell and gaps, plus points, lines and polygons of several classes. Points:
uniform, exactly on vertices and edges, just inside and just outside the 1 cm edge tolerance,
and either side of the 2 cm band where single-edge buckets hand over to GEOS. The reference computes every distance with shapely and applies the rules of
``PlacementIndex.place`` literally.
"""

import numpy as np
import pytest
import shapely

from gis import CellRecord, ComponentRecord, OutsideManagedArea, PlacementIndex
from gis.buckets import OUTSIDE, CellBuckets
from gis.frames import coords_from_metres, coords_to_metres, from_metres_array, to_metres
from gis.placement import EDGE_TOLERANCE_M

ROWS, COLS, SIDE = 14, 16, 60.0
CLASSES = ("0101", "0102", "0211", "0405")


def wgs(geom):
    return shapely.transform(geom, coords_from_metres)


def metres(geom):
    return shapely.transform(geom, coords_to_metres)


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(42)
    x0, y0 = to_metres(116.40, 39.90)
    gx, gy = np.meshgrid(x0 + np.arange(COLS + 1) * SIDE, y0 - np.arange(ROWS + 1) * SIDE)
    gx += rng.uniform(-0.2, 0.2, gx.shape) * SIDE
    gy += rng.uniform(-0.2, 0.2, gy.shape) * SIDE
    quads = {}
    for r in range(ROWS):
        for c in range(COLS):
            ring = [(gx[r, c], gy[r, c]), (gx[r, c + 1], gy[r, c + 1]), (gx[r + 1, c + 1], gy[r + 1, c + 1]), (gx[r + 1, c], gy[r + 1, c])]
            quads[(r, c)] = shapely.Polygon(ring)
    # Gaps (outside the managed area) and odd shapes.
    for gap in [(0, 0), (5, 5), (5, 6), (13, 15)]:
        del quads[gap]
    two_part = shapely.MultiPolygon([quads.pop((9, 2)), quads.pop((9, 4))])  # (9, 3) stays between them
    outer = quads.pop((2, 8))
    courtyard = shapely.box(*shapely.centroid(outer).buffer(12).bounds)
    geoms = list(quads.values()) + [two_part, outer.difference(courtyard), courtyard]
    order = rng.permutation(len(geoms))  # codes unrelated to position
    cells = [CellRecord(f"C{int(k):04d}", "comm", "street", wgs(geoms[i])) for k, i in enumerate(order)]

    comps = []
    minx, miny, maxx, maxy = shapely.total_bounds([metres(c.geometry) for c in cells])
    for n in range(3000):
        cls = CLASSES[n % 4]
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if cls == "0211":
            geom = shapely.LineString([(x, y), (x + rng.uniform(-15, 15), y + rng.uniform(-15, 15))])
        elif cls == "0405":
            geom = shapely.box(x, y, x + rng.uniform(2, 10), y + rng.uniform(2, 10))
        else:
            geom = shapely.Point(x, y)
        comps.append(ComponentRecord(f"110101{cls}{n:06d}", cls, wgs(geom)))
    comps.append(ComponentRecord("1101010101999998", "0101", comps[0].geometry))  # a twin of the first point
    cells_m = shapely.transform(np.array([c.geometry for c in cells]), coords_to_metres)  # as the index projects
    comps_m = shapely.transform(np.array([c.geometry for c in comps]), coords_to_metres)
    # The reference's prefilter: a component whose box is farther than the reach is farther
    # too, so brute force need measure only the others (exactly the same answer).
    comps_box = shapely.bounds(comps_m)
    comps_class = np.array([c.class_code for c in comps])
    return cells, comps, rng, (cells_m, comps_m, comps_box, comps_class)


def query_points(cells, rng, n=500):
    geoms = [metres(c.geometry) for c in cells]
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    xs = list(rng.uniform(minx - 20, maxx + 20, n))
    ys = list(rng.uniform(miny - 20, maxy + 20, n))
    coords = shapely.get_coordinates(shapely.boundary(np.array(geoms)))
    for x, y in coords[rng.integers(0, len(coords), 150)]:  # vertices
        xs.append(x)
        ys.append(y)
    for k in rng.integers(0, len(coords) - 1, 150):  # on edges, either side of 1 cm and of 2 cm off them
        (ax, ay), (bx, by) = coords[k], coords[k + 1]
        length = float(np.hypot(bx - ax, by - ay))
        if length == 0 or length > 3 * SIDE:  # consecutive vertices of different rings
            continue
        nx, ny = -(by - ay) / length, (bx - ax) / length
        for off in (0.0, 0.009, -0.009, 0.011, -0.011, 0.019, -0.021, 0.5, -3.0):
            xs.append((ax + bx) / 2 + off * nx)
            ys.append((ay + by) / 2 + off * ny)
    return from_metres_array(np.array(xs), np.array(ys))


def reference(world, lon, lat, accuracy, class_code, reach, limit):
    """(cell code or None, candidate codes, [(component code, distance)]) by brute force."""
    cells, comps, _, (cells_m, comps_m, comps_box, comps_class) = world
    x, y = to_metres(lon, lat)
    point = shapely.Point(x, y)
    dist = shapely.distance(cells_m, point)
    within = sorted(
        (0.0 if d <= EDGE_TOLERANCE_M else d, c.code) for c, d in zip(cells, dist) if d <= max(accuracy, EDGE_TOLERANCE_M)
    )
    chosen = within[0][1] if within else None
    box = ((comps_box[:, 0] - reach <= x) & (x <= comps_box[:, 2] + reach)
           & (comps_box[:, 1] - reach <= y) & (y <= comps_box[:, 3] + reach))
    if class_code is not None:
        box &= comps_class == class_code
    ks = np.flatnonzero(box)
    dist = shapely.distance(comps_m[ks], point)
    found = sorted((d, comps[k].code) for k, d in zip(ks, dist) if d <= reach)
    return chosen, tuple(code for _, code in within), [(code, d) for d, code in found[:limit]]


@pytest.mark.parametrize("accuracy, class_code", [(0.0, None), (0.0, "0101"), (0.0, "0211"), (12.0, "0405"), (40.0, None)])
def test_place_equals_brute_force(world, accuracy, class_code):
    cells, comps, rng, _ = world
    index = PlacementIndex(cells, comps)
    lons, lats = query_points(cells, rng, n=150)
    outside = 0
    for lon, lat in zip(lons.tolist(), lats.tolist()):
        chosen, candidates, near = reference(world, lon, lat, accuracy, class_code, max(20.0, accuracy), 3)
        try:
            placed = index.place(lon, lat, accuracy_m=accuracy, class_code=class_code, radius_m=20.0, limit=3)
        except OutsideManagedArea:
            assert chosen is None
            outside += 1
            continue
        assert (placed.cell_code, placed.candidate_cells) == (chosen, candidates)
        assert [c.code for c in placed.components] == [code for code, _ in near]
        assert [c.distance_m for c in placed.components] == [float(d) for _, d in near]  # GEOS's own formula
    assert outside > 0 or accuracy >= 40  # the gaps and margins are exercised


@pytest.mark.parametrize("class_code", [None, "0102", "0405"])
def test_place_many_equals_brute_force(world, class_code):
    cells, comps, rng, _ = world
    index = PlacementIndex(cells, comps)
    lons, lats = query_points(cells, rng, n=300)
    bulk = index.place_many(lons, lats, class_code)
    for k, (lon, lat) in enumerate(zip(lons.tolist(), lats.tolist())):
        chosen, _, near = reference(world, lon, lat, 0.0, class_code, 20.0, 1)
        assert bulk.cell_code[k] == (chosen or "")
        assert bulk.component_code[k] == (near[0][0] if near else "")


def test_the_raster_decides_most_points_without_geometry(world):
    cells, _, _, _ = world
    geoms = np.array([metres(c.geometry) for c in sorted(cells, key=lambda c: c.code)])
    buckets = CellBuckets(geoms, EDGE_TOLERANCE_M, shapely.STRtree(geoms))
    inside = buckets.raster >= 0
    assert inside.mean() > 0.4 and (buckets.raster == OUTSIDE).any() and (buckets.raster <= -2).any()
    assert (buckets.edge_of_mixed >= 0).mean() > 0.5  # most mixed buckets are cut by one edge
    # Every unmixed bucket's centre really is in its cell (or in none).
    rows, cols = np.divmod(np.arange(buckets.raster.size), buckets.ncols)
    cx, cy = buckets.x0 + (cols + 0.5) * buckets.size, buckets.y0 + (rows + 0.5) * buckets.size
    sample = np.flatnonzero(buckets.raster >= -1)[::7]
    for b in sample.tolist():
        hits = buckets.tree.query(shapely.Point(cx[b], cy[b]), predicate="intersects").tolist()
        assert hits == ([int(buckets.raster[b])] if buckets.raster[b] >= 0 else [])

"""A Beijing-sized synthetic city for benchmarks: about 30,000 cells and a million components.

Choice of scale: Beijing in 2011 had 29,790 cells averaging 48,900 m² (4.89万 m²), so this
city has cells of that *average area* (not the 10,000 m² of the standard), about 1,470 km² in
all, which keeps the component density (about 680 a km²) realistic for a whole city.

Geometry, all numpy: a grid of ``sqrt(cell_area_m2)`` squares centred on Tiananmen (in EPSG:4548
metres) whose shared vertices are jittered by up to 15 % of the side, so cells are convex
quadrilaterals of unequal size and orientation that still tile exactly (neighbours share the
very same vertex coordinates, also after conversion to WGS84). Squares whose centre falls in an
ellipse are kept. Hierarchy: communities are 3 x 3 blocks of squares, streets 4 x 4 blocks of
communities; duty grids are one per community with one supervisor ``sup_NNNN`` each.

Components: classes drawn by the demo city's per-class densities (``demo_component_classes.csv``),
uniformly over the cells, points kept 0.5 % of a side off the edges; classes whose geometry is a
line or polygon get short segments or small quadrilaterals inside their cell. Codes are 16 digits
(district, class, 6-digit sequence per class, numbered in drawing order).

Same seed, same city. ``python -m gridmaps.synthetic`` prints counts and the build time.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import shapely

from gis.frames import from_metres_array, to_metres
from gridmaps.classification import class_by_code
from gridmaps.demo import component_class_table, demo_departments
from gridmaps.model import City, Cell, Community, Component, District, DutyGrid, Street

__all__ = ["build_synthetic_city"]

DISTRICT_CODE = "110100"  # 北京市市辖区: the city as one managed area
DISTRICT_NAME = "北京市（合成）"
CENTRE_LONLAT = (116.3975, 39.9087)
COMMUNITY_SQUARES = 3
STREET_COMMUNITIES = 4
JITTER = 0.15  # of the side: keeps every quadrilateral convex
EDGE_MARGIN = 0.005  # of the side: component points stay off cell edges


def build_synthetic_city(
    *,
    seed: int = 2011,
    cells: int = 30_000,
    cell_area_m2: float = 48_900.0,
    components: int = 1_000_000,
) -> City:
    """Build the synthetic city; deterministic for given arguments.

    ``cells`` is the approximate cell count (the ellipse keeps about that many squares).
    Raises ValueError for non-positive sizes or a class needing more than 999,999 sequences.
    """
    if cells <= 0 or cell_area_m2 <= 0 or components < 0:
        raise ValueError("cells and cell_area_m2 must be positive, components not negative")
    rng = np.random.default_rng(seed)
    side = math.sqrt(cell_area_m2)
    ncols = max(1, round(math.sqrt(cells * 4 / math.pi * 1.2)))
    nrows = max(1, round(cells * 4 / math.pi / ncols))
    cx, cy = to_metres(*CENTRE_LONLAT)
    # Vertex grid, row 0 in the north. Jitter every vertex (the outer ones too: still a tiling).
    vx = cx + (np.arange(ncols + 1) - ncols / 2) * side
    vy = cy + (nrows / 2 - np.arange(nrows + 1)) * side
    gx, gy = np.meshgrid(vx, vy)
    gx = gx + rng.uniform(-JITTER, JITTER, gx.shape) * side
    gy = gy + rng.uniform(-JITTER, JITTER, gy.shape) * side

    row, col = np.divmod(np.arange(nrows * ncols), ncols)
    u, v = (col + 0.5) / ncols * 2 - 1, (row + 0.5) / nrows * 2 - 1
    keep = u * u + v * v <= 1.0
    row, col = row[keep], col[keep]

    # Codes: street block, community block, square, each in reading order (north -> south,
    # west -> east), numbered inside its parent.
    k = COMMUNITY_SQUARES
    s = k * STREET_COMMUNITIES
    street_key = (row // s) * (ncols // s + 1) + col // s
    community_key = (row // k) * (ncols // k + 1) + col // k
    order = np.lexsort((col, row, community_key, street_key))
    row, col, street_key, community_key = row[order], col[order], street_key[order], community_key[order]
    street_no = _dense_rank(street_key)
    community_no = _rank_within(street_no, community_key)
    cell_no = _rank_within(street_no * 100_000 + community_no, np.arange(len(row)))

    # Corners NW, NE, SE, SW (clockwise from the north-west) in metres, then in WGS84.
    corners_r = np.stack([row, row, row + 1, row + 1], axis=1)
    corners_c = np.stack([col, col + 1, col + 1, col], axis=1)
    mx, my = gx[corners_r, corners_c], gy[corners_r, corners_c]
    lon, lat = from_metres_array(gx.ravel(), gy.ravel())
    lon, lat = lon.reshape(gx.shape)[corners_r, corners_c], lat.reshape(gx.shape)[corners_r, corners_c]
    ring = np.stack([lon, lat], axis=2)
    polygons = shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))
    areas = shapely.area(shapely.polygons(np.stack([np.c_[mx, mx[:, :1]], np.c_[my, my[:, :1]]], axis=2)))

    street_codes = [f"{DISTRICT_CODE}{n + 1:03d}" for n in range(int(street_no.max()) + 1)]
    community_code = [f"{street_codes[a]}{b + 1:03d}" for a, b in zip(street_no.tolist(), community_no.tolist())]
    cell_objs = tuple(
        Cell(f"{cc}{n + 1:03d}", cc, cc[:9], round(float(a), 2), g)
        for cc, n, a, g in zip(community_code, cell_no.tolist(), areas.tolist(), polygons)
    )
    streets, communities, duty_grids = _divisions(cell_objs, street_codes)
    departments = demo_departments(streets)
    district = District(DISTRICT_CODE, DISTRICT_NAME, shapely.coverage_union_all(polygons))
    comps = _components(rng, components, cell_objs, mx, my)
    return City(district, streets, communities, cell_objs, duty_grids, departments, comps, sequence_digits=3)


def _dense_rank(key: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... numbering of a key array already grouped in order."""
    return np.concatenate(([0], np.cumsum(key[1:] != key[:-1]))) if len(key) else key


def _rank_within(parent: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Number the distinct keys 0, 1, ... inside each parent (both grouped in order)."""
    new_parent = np.r_[True, parent[1:] != parent[:-1]]
    new_key = new_parent | np.r_[True, key[1:] != key[:-1]]
    count = np.cumsum(new_key)
    return count - count[np.flatnonzero(new_parent)][np.cumsum(new_parent) - 1]


def _divisions(cells: tuple[Cell, ...], street_codes: list[str]):
    by_community: dict[str, list[Cell]] = {}
    for c in cells:
        by_community.setdefault(c.community_code, []).append(c)
    communities, duty_grids, street_members = [], [], {}
    for n, (code, members) in enumerate(by_community.items(), start=1):
        geom = shapely.coverage_union_all([m.geometry for m in members])
        street = code[:9]
        communities.append(Community(code, f"合成{int(street[6:])}街道第{int(code[9:])}社区", street, geom))
        street_members.setdefault(street, []).append(geom)
        duty_grids.append(
            DutyGrid(f"DG{code}1", f"{communities[-1].name}1号责任网格", tuple(m.code for m in members), (f"sup_{n:04d}",))
        )
    streets = tuple(
        Street(code, f"合成{int(code[6:])}街道", DISTRICT_CODE, shapely.coverage_union_all(street_members[code]))
        for code in street_codes
    )
    return streets, tuple(communities), tuple(duty_grids)


def _components(rng: np.random.Generator, n: int, cells: tuple[Cell, ...], mx: np.ndarray, my: np.ndarray):
    """``n`` components, classes drawn by density, uniform over cells (bilinear in each quad)."""
    if n == 0:
        return ()
    table = component_class_table()
    classes = class_by_code("component")
    weight = np.array([r.per_km2 for r in table])
    cls = rng.choice(len(table), size=n, p=weight / weight.sum())
    cell = rng.integers(0, len(cells), size=n)
    uv = rng.uniform(EDGE_MARGIN, 1 - EDGE_MARGIN, size=(n, 2))
    step = rng.uniform(0.02, 0.08, size=(n, 2)) * np.where(uv > 0.5, -1, 1)  # lines/polygons grow inward
    geometries = np.array([r.geometry for r in table])[cls]

    def at(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Bilinear map of unit-square coordinates (a east, b south) into each drawn cell, in WGS84."""
        x0 = mx[cell, 0] * (1 - a) + mx[cell, 1] * a
        x1 = mx[cell, 3] * (1 - a) + mx[cell, 2] * a
        y0 = my[cell, 0] * (1 - a) + my[cell, 1] * a
        y1 = my[cell, 3] * (1 - a) + my[cell, 2] * a
        return np.stack(from_metres_array(x0 * (1 - b) + x1 * b, y0 * (1 - b) + y1 * b), axis=1)

    u, v = uv[:, 0], uv[:, 1]
    p0 = at(u, v)
    geoms = shapely.points(p0)
    line = np.flatnonzero(geometries == "line")
    if line.size:
        p1 = at(u + step[:, 0], v)
        geoms[line] = shapely.linestrings(np.stack([p0[line], p1[line]], axis=1))
    poly = np.flatnonzero(geometries == "polygon")
    if poly.size:
        q1, q2, q3 = at(u + step[:, 0], v), at(u + step[:, 0], v + step[:, 1]), at(u, v + step[:, 1])
        rings = np.stack([p0[poly], q1[poly], q2[poly], q3[poly], p0[poly]], axis=1)
        geoms[poly] = shapely.make_valid(shapely.polygons(rings))  # orientation varies; shape stays simple
    # Sequence per class in drawing order.
    order = np.argsort(cls, kind="stable")
    seq = np.empty(n, dtype=np.int64)
    seq[order] = _rank_within(cls[order], np.arange(n)) + 1
    if seq.max() >= 10**6:
        raise ValueError("more than 999,999 components of one class: 6-digit sequences cannot number them")
    rows = [(r.class_code, classes[r.class_code].minor_zh, r.owner_code, r.maintainer_code) for r in table]
    cell_codes = [c.code for c in cells]
    return tuple(
        Component(f"{DISTRICT_CODE}{rows[k][0]}{s:06d}", rows[k][0], f"{rows[k][1]}{s}号", rows[k][2], rows[k][3],
                  cell_codes[c], "intact", g)
        for k, s, c, g in zip(cls.tolist(), seq.tolist(), cell.tolist(), geoms)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gridmaps.synthetic", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--cells", type=int, default=30_000)
    parser.add_argument("--components", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    city = build_synthetic_city(seed=args.seed, cells=args.cells, components=args.components)
    seconds = time.perf_counter() - start
    areas = np.array([c.area_m2 for c in city.cells])
    print(f"streets {len(city.streets)}, communities {len(city.communities)}, cells {len(city.cells)} "
          f"(mean {areas.mean():,.0f} m2, total {areas.sum() / 1e6:,.0f} km2), duty grids {len(city.duty_grids)}, "
          f"components {len(city.components):,}; built in {seconds:.1f} s")


if __name__ == "__main__":
    main()

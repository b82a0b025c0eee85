"""The demo city: a deterministic synthetic grid on the real Dongcheng outline.

``build_demo_city()`` reads the district outline (GCJ-02 GeoJSON), converts it to WGS84 with
``gis.frames``, projects it to metres and cuts it with ``gridmaps.tiling``: an aligned grid of
``cell_size_m`` squares, communities of 6 x 6 squares, streets of 3 x 3 communities, small
fragments merged so cells tile the outline without gaps or overlaps. Names, departments and the
component classes it places come from CSV files in ``gridmaps/data`` (data, not code).

The street names are the 17 real Dongcheng street offices and the outline is real; everything
else (boundaries, communities, cells, components) is made up. The same arguments always give the
same city. ``python -m gridmaps.demo --summary`` prints counts and the build time.
"""

from __future__ import annotations

import argparse
import csv
import heapq
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gis.frames import Frame, coords_from_metres, coords_to_metres, from_metres_array, to_wgs84
from gridmaps.classification import class_by_code
from gridmaps.model import City, Cell, Community, Component, Department, District, DutyGrid, Street
from gridmaps.tiling import Tiling, tile_outline

__all__ = ["DEFAULT_OUTLINE", "build_demo_city", "load_outline"]

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_OUTLINE = DATA_DIR / "dongcheng_outline.gcj02.geojson"
DISTRICT_CODE = "110101"
DISTRICT_NAME = "东城区"
COMMUNITY_CELLS = 6  # a community is a block of 6 x 6 grid squares
STREET_COMMUNITIES = 3  # a street is a block of 3 x 3 communities (then merged down to 17)
DUTY_GRID_CELLS = 20  # a supervisor patrols about 20 cells
COMPONENT_SEQUENCE_DIGITS = 6
COMPONENT_MARGIN_M = 0.5  # keep component points off cell edges, so placement is unambiguous


def load_outline(path: str | Path | None = None, frame: Frame = Frame.GCJ02) -> BaseGeometry:
    """The union of all geometries in a GeoJSON file given in ``frame``, as WGS84 lon/lat."""
    data = json.loads(Path(path or DEFAULT_OUTLINE).read_text(encoding="utf-8"))
    if data.get("type") == "FeatureCollection":
        geoms = [shape(f["geometry"]) for f in data["features"]]
    elif data.get("type") == "Feature":
        geoms = [shape(data["geometry"])]
    else:
        geoms = [shape(data)]
    outline = shapely.union_all(geoms)

    def convert(coords: np.ndarray) -> np.ndarray:
        return np.array([to_wgs84(lon, lat, frame) for lon, lat in coords], dtype=float).reshape(-1, 2)

    return shapely.make_valid(shapely.transform(outline, convert))


def build_demo_city(
    *,
    seed: int = 2004,
    cell_size_m: float = 100.0,
    sequence_digits: int = 3,
    components_per_cell: float = 2.0,
    outline_path: str | Path | None = None,
) -> City:
    """Build the demo city; deterministic for given arguments.

    ``sequence_digits`` is the cell sequence length: 2 gives 14-digit cell codes (CJ/T 213),
    3 gives 15-digit ones (DB11/T 2157). ``components_per_cell`` is the mean number of point
    components per cell (Poisson). Raises ValueError for bad arguments, or if a community has
    more cells than the sequence can number.
    """
    if sequence_digits not in (2, 3):
        raise ValueError(f"sequence_digits must be 2 or 3, got {sequence_digits}")
    if cell_size_m <= 0 or components_per_cell < 0:
        raise ValueError("cell_size_m must be positive and components_per_cell not negative")
    street_names = [row["name"] for row in _read_csv("demo_streets.csv")]
    outline = load_outline(outline_path)
    tiling = tile_outline(
        shapely.transform(outline, coords_to_metres),
        cell_size=cell_size_m,
        community_cells=COMMUNITY_CELLS,
        street_communities=STREET_COMMUNITIES,
        max_streets=len(street_names),
    )
    district = District(DISTRICT_CODE, DISTRICT_NAME, outline)
    streets, communities, cells = _divisions(tiling, street_names, sequence_digits)
    departments = _departments(streets)
    components = _components(tiling, cells, departments, random.Random(seed), components_per_cell)
    return City(
        district=district,
        streets=streets,
        communities=communities,
        cells=cells,
        duty_grids=_duty_grids(tiling, communities, cells),
        departments=departments,
        components=components,
        sequence_digits=sequence_digits,
    )


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _to_wgs84(geoms: list[BaseGeometry]) -> list[BaseGeometry]:
    if not geoms:
        return []
    return list(shapely.transform(np.array(geoms, dtype=object), coords_from_metres))


def _divisions(
    tiling: Tiling, street_names: list[str], digits: int
) -> tuple[tuple[Street, ...], tuple[Community, ...], tuple[Cell, ...]]:
    """Code, name and convert streets, communities and cells, in the tiling's order."""
    street_geoms = _to_wgs84([t.geometry for t in tiling.streets])
    community_geoms = _to_wgs84([t.geometry for t in tiling.communities])
    cell_geoms = _to_wgs84([t.geometry for t in tiling.cells])
    street_codes = [f"{DISTRICT_CODE}{i + 1:03d}" for i in range(len(tiling.streets))]
    names = [street_names[i] if i < len(street_names) else f"第{i + 1}街道" for i in range(len(tiling.streets))]
    streets = tuple(Street(street_codes[i], names[i], DISTRICT_CODE, street_geoms[i]) for i in range(len(names)))

    communities: list[Community] = [None] * len(tiling.communities)  # type: ignore[list-item]
    cells: list[Cell] = [None] * len(tiling.cells)  # type: ignore[list-item]
    for s, street in enumerate(tiling.streets):
        stem = names[s].removesuffix("街道")
        for n, c in enumerate(street.children, start=1):
            code = f"{street_codes[s]}{n:03d}"
            communities[c] = Community(code, f"{stem}第{n}社区", street_codes[s], community_geoms[c])
            children = tiling.communities[c].children
            if len(children) >= 10**digits:
                raise ValueError(f"community {code} has {len(children)} cells; {digits} digits cannot number them")
            for k, i in enumerate(children, start=1):
                cell_code = f"{code}{k:0{digits}d}"
                cells[i] = Cell(cell_code, code, street_codes[s], round(tiling.cells[i].area, 2), cell_geoms[i])
    return streets, tuple(communities), tuple(cells)


def _departments(streets: tuple[Street, ...]) -> tuple[Department, ...]:
    """The fixed departments from CSV, then one territory department per street office."""
    fixed = [Department(r["code"], r["name"], r["kind"]) for r in _read_csv("demo_departments.csv")]
    territory = [Department(f"ST{s.code}", f"{s.name}办事处", "territory") for s in streets]
    return tuple(fixed + territory)


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: fine for the small means used here; random.Random keeps it reproducible
    # across Python and numpy versions.
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _components(
    tiling: Tiling,
    cells: tuple[Cell, ...],
    departments: tuple[Department, ...],
    rng: random.Random,
    per_cell: float,
) -> tuple[Component, ...]:
    """Point components, Poisson(per_cell) per cell, classes drawn by weight from the CSV table."""
    classes = class_by_code("component")
    dept_codes = {d.code for d in departments}
    table = _read_csv("demo_component_classes.csv")
    for row in table:
        if row["class_code"] not in classes:
            raise ValueError(f"demo_component_classes.csv: unknown component class {row['class_code']}")
        for key in ("owner_code", "maintainer_code"):
            if row[key] not in dept_codes:
                raise ValueError(f"demo_component_classes.csv: unknown department {row[key]}")
    cum_weights = list(np.cumsum([float(r["weight"]) for r in table]))

    drawn: list[tuple[dict[str, str], int, float, float]] = []  # (class row, cell index, x, y)
    for i, tile in enumerate(tiling.cells):
        inner = tile.geometry.buffer(-COMPONENT_MARGIN_M)
        area = inner if not inner.is_empty else tile.geometry
        shapely.prepare(area)
        minx, miny, maxx, maxy = area.bounds
        for _ in range(_poisson(rng, per_cell)):
            row = rng.choices(table, cum_weights=cum_weights)[0]
            while True:  # rejection sampling: cells are nearly square, so few retries
                x, y = minx + rng.random() * (maxx - minx), miny + rng.random() * (maxy - miny)
                if shapely.contains_xy(area, x, y):
                    break
            drawn.append((row, i, x, y))

    lons, lats = from_metres_array(np.array([d[2] for d in drawn]), np.array([d[3] for d in drawn]))
    points = shapely.points(np.column_stack((lons, lats))) if drawn else []
    sequence: dict[str, int] = {}
    components = []
    for (row, i, _, _), point in zip(drawn, points):
        class_code = row["class_code"]
        seq = sequence[class_code] = sequence.get(class_code, 0) + 1
        if seq >= 10**COMPONENT_SEQUENCE_DIGITS:
            raise ValueError(f"too many components of class {class_code} for a 6-digit sequence")
        components.append(
            Component(
                code=f"{DISTRICT_CODE}{class_code}{seq:0{COMPONENT_SEQUENCE_DIGITS}d}",
                class_code=class_code,
                name=f"{classes[class_code].minor_zh}{seq}号",
                owner_code=row["owner_code"],
                maintainer_code=row["maintainer_code"],
                cell_code=cells[i].code,
                state="intact",
                geometry=point,
            )
        )
    return tuple(sorted(components, key=lambda c: c.code))


def _duty_grids(tiling: Tiling, communities: tuple[Community, ...], cells: tuple[Cell, ...]) -> tuple[DutyGrid, ...]:
    """Split each community into about DUTY_GRID_CELLS-cell groups of edge-connected cells.

    Groups grow from the first free cell in code order, always taking the lowest-numbered free
    neighbour, so they fill the community roughly row by row; a leftover group under half the
    target size joins the adjacent group it shares most boundary with.
    """
    grids = []
    for c, community in enumerate(communities):
        members = list(tiling.communities[c].children)
        count = max(1, round(len(members) / DUTY_GRID_CELLS))
        size = math.ceil(len(members) / count)
        groups = _grow_groups(members, tiling.cell_neighbours, size)
        if len(groups) > 9:
            raise ValueError(f"community {community.code} needs {len(groups)} duty grids; codes allow 9")
        for k, group in enumerate(groups, start=1):
            codes = tuple(cells[i].code for i in group)
            grids.append(DutyGrid(f"DG{community.code}{k}", f"{community.name}{k}号责任网格", codes))
    return tuple(grids)


def _grow_groups(members: list[int], neighbours: tuple[dict[int, float], ...], size: int) -> list[list[int]]:
    free = set(members)
    groups: list[list[int]] = []
    while free:
        seed = min(free)
        free.discard(seed)
        group, frontier = [seed], [n for n in neighbours[seed] if n in free]
        heapq.heapify(frontier)
        while frontier and len(group) < size:
            n = heapq.heappop(frontier)
            if n in free:
                free.discard(n)
                group.append(n)
                for m in neighbours[n]:
                    if m in free:
                        heapq.heappush(frontier, m)
        groups.append(group)
    for g in sorted(range(len(groups)), key=lambda g: len(groups[g])):
        if len(groups) == 1 or not groups[g] or len(groups[g]) * 2 >= size:
            continue
        shared: dict[int, float] = {}
        for i in groups[g]:
            for n, length in neighbours[i].items():
                for h, other in enumerate(groups):
                    if h != g and n in other:
                        shared[h] = shared.get(h, 0.0) + length
        if shared:
            target = max(shared, key=lambda h: (shared[h], -h))
            groups[target] = sorted(groups[target] + groups[g])
            groups[g] = []
    return [sorted(g) for g in groups if g]


def _summary(city: City, seconds: float) -> str:
    areas = [c.area_m2 for c in city.cells]
    kinds: dict[str, int] = {}
    for d in city.departments:
        kinds[d.kind] = kinds.get(d.kind, 0) + 1
    return "\n".join(
        [
            f"district     {city.district.code} {city.district.name}",
            f"streets      {len(city.streets)}",
            f"communities  {len(city.communities)}",
            f"cells        {len(city.cells)} (codes of {len(city.cells[0].code)} digits)",
            f"cell area    mean {sum(areas) / len(areas):,.0f} m2, min {min(areas):,.0f}, max {max(areas):,.0f}",
            f"total area   {sum(areas) / 1e6:.2f} km2",
            f"duty grids   {len(city.duty_grids)}",
            f"departments  {len(city.departments)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})",
            f"components   {len(city.components)} in {len({c.class_code for c in city.components})} classes",
            f"build time   {seconds:.2f} s",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gridmaps.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--summary", action="store_true", help="build the demo city and print counts")
    parser.add_argument("--seed", type=int, default=2004)
    parser.add_argument("--cell-size", type=float, default=100.0, help="grid square side in metres")
    parser.add_argument("--sequence-digits", type=int, choices=(2, 3), default=3)
    parser.add_argument("--components-per-cell", type=float, default=2.0)
    args = parser.parse_args(argv)
    if not args.summary:
        parser.print_help()
        return
    start = time.perf_counter()
    city = build_demo_city(
        seed=args.seed,
        cell_size_m=args.cell_size,
        sequence_digits=args.sequence_digits,
        components_per_cell=args.components_per_cell,
    )
    print(_summary(city, time.perf_counter() - start))


if __name__ == "__main__":
    main()

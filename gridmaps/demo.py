"""The demo city: a deterministic synthetic grid on the real Dongcheng outline.

``build_demo_city()`` reads the district outline (GCJ-02 GeoJSON), converts it to WGS84 with
``gis.frames``, projects it to metres and cuts it with ``gridmaps.tiling``: an aligned grid of
``cell_size_m`` squares, communities of 6 x 6 squares, streets of 3 x 3 communities, small
fragments merged so cells tile the outline without gaps or overlaps. Names, departments and the
component classes it places come from CSV files in ``gridmaps/data`` (data, not code).

The street names are the 17 real Dongcheng street offices and the outline is real; everything
else (boundaries, communities, cells, components) is made up. The same arguments always give the
same city. ``python -m gridmaps.demo --summary`` prints counts and the build time.

Components: about 44,000 of 59 classes, Poisson per cell with the per-class densities of
``demo_component_classes.csv`` (about 1,050 a km², a sixth of Dongcheng's 2005 census density of
168,339 components on 25.38 km²): points, short lines (railings) and small polygons (green
spaces, parking lots), each inside its cell. Duty grids of about 20 cells each have one
supervisor: "supervisor" (the demo user) for the first community's grids, "sup_001", ... after.

Gazetteer: roads (every 600 m grid line, cut per 1,800 m block) and alleys (the 200 m lines in
between) named from ``demo_roads.csv`` and then "<street stem>N路" / "<street stem>N条"; door
plates every 40 m on both sides (odd numbers on the west/north side, even on the other, counted
west -> east and north -> south), named "<road>N号"; and the POIs of ``demo_pois.csv``.
"""

from __future__ import annotations

import argparse
import csv
import heapq
import json
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gis.frames import Frame, coords_from_metres, coords_to_metres, to_wgs84
from gis.gazetteer import normalise
from gridmaps.classification import class_by_code
from gridmaps.model import City, Cell, Community, Component, Department, District, DutyGrid, Place, Street
from gridmaps.tiling import Tiling, tile_outline

__all__ = ["DEFAULT_OUTLINE", "ClassRow", "build_demo_city", "component_class_table", "demo_departments", "load_outline"]

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_OUTLINE = DATA_DIR / "dongcheng_outline.gcj02.geojson"
DISTRICT_CODE = "110101"
DISTRICT_NAME = "东城区"
COMMUNITY_CELLS = 6  # a community is a block of 6 x 6 grid squares
STREET_COMMUNITIES = 3  # a street is a block of 3 x 3 communities (then merged down to 17)
DUTY_GRID_CELLS = 20  # a supervisor patrols about 20 cells
COMPONENT_SEQUENCE_DIGITS = 6
COMPONENT_MARGIN_M = 0.5  # keep component points off cell edges, so placement is unambiguous
ROAD_EVERY = 6  # grid lines: every 6th (600 m) is a road, every 2nd of the rest an alley
ALLEY_EVERY = 2
DOOR_PLATE_STEP_M = 40.0
DOOR_PLATE_OFFSET_M = 5.0
FIRST_SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class ClassRow:
    """A row of ``demo_component_classes.csv``: density per km², geometry kind
    ("point", "line" or "polygon"), owner and maintainer department codes."""

    class_code: str
    per_km2: float
    geometry: str
    owner_code: str
    maintainer_code: str


def component_class_table() -> tuple[ClassRow, ...]:
    """The demo's component classes; raises ValueError for an unknown class, geometry kind or
    department (checked against ``demo_departments.csv``)."""
    classes = class_by_code("component")
    dept_codes = {r["code"] for r in _read_csv("demo_departments.csv")}
    rows = []
    for r in _read_csv("demo_component_classes.csv"):
        row = ClassRow(r["class_code"], float(r["per_km2"]), r["geometry"], r["owner_code"], r["maintainer_code"])
        if row.class_code not in classes:
            raise ValueError(f"demo_component_classes.csv: unknown component class {row.class_code}")
        if row.geometry not in ("point", "line", "polygon"):
            raise ValueError(f"demo_component_classes.csv: unknown geometry {row.geometry!r}")
        for dept in (row.owner_code, row.maintainer_code):
            if dept not in dept_codes:
                raise ValueError(f"demo_component_classes.csv: unknown department {dept}")
        rows.append(row)
    return tuple(rows)


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
    components_per_cell: float | None = None,
    outline_path: str | Path | None = None,
) -> City:
    """Build the demo city; deterministic for given arguments.

    ``sequence_digits`` is the cell sequence length: 2 gives 14-digit cell codes (CJ/T 213),
    3 gives 15-digit ones (DB11/T 2157). ``components_per_cell``: None draws the per-class
    densities of ``demo_component_classes.csv`` (about 10.5 per 10,000 m² cell); a number scales
    them to that mean per full cell (0: no components). Raises ValueError for bad arguments, or
    if a community has more cells than the sequence can number.
    """
    if sequence_digits not in (2, 3):
        raise ValueError(f"sequence_digits must be 2 or 3, got {sequence_digits}")
    if cell_size_m <= 0 or (components_per_cell is not None and not components_per_cell >= 0):
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
    departments = demo_departments(streets)
    components = _components(tiling, cells, random.Random(seed), components_per_cell, cell_size_m)
    return City(
        district=district,
        streets=streets,
        communities=communities,
        cells=cells,
        duty_grids=_duty_grids(tiling, communities, cells),
        departments=departments,
        components=components,
        sequence_digits=sequence_digits,
        places=_places(tiling, streets, cell_size_m),
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


def demo_departments(streets: tuple[Street, ...]) -> tuple[Department, ...]:
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
    rng: random.Random,
    per_cell: float | None,
    cell_size_m: float,
) -> tuple[Component, ...]:
    """Components, Poisson per cell (mean proportional to its area), classes drawn by density."""
    classes = class_by_code("component")
    table = component_class_table()
    density = sum(r.per_km2 for r in table)  # per km2
    per_m2 = density / 1e6 if per_cell is None else per_cell / cell_size_m**2
    cum_weights = list(np.cumsum([r.per_km2 for r in table]))

    drawn: list[tuple[ClassRow, int, BaseGeometry | tuple[float, float]]] = []  # (row, cell, metre shape)
    inner = shapely.buffer(np.array([t.geometry for t in tiling.cells], dtype=object), -COMPONENT_MARGIN_M)
    for i, tile in enumerate(tiling.cells):
        area = inner[i] if not inner[i].is_empty else tile.geometry
        shapely.prepare(area)
        bounds = area.bounds
        for _ in range(_poisson(rng, per_m2 * tile.area)):
            row = rng.choices(table, cum_weights=cum_weights)[0]
            drawn.append((row, i, _shape_in(area, bounds, row.geometry, rng)))

    is_point = np.array([isinstance(g, tuple) for _, _, g in drawn], dtype=bool)
    geoms = np.empty(len(drawn), dtype=object)
    if is_point.any():
        geoms[is_point] = shapely.points(np.array([g for _, _, g in drawn if isinstance(g, tuple)]))
    geoms[~is_point] = [g for _, _, g in drawn if not isinstance(g, tuple)]
    geoms = _to_wgs84(list(geoms))
    sequence: dict[str, int] = {}
    components = []
    for (row, i, _), geom in zip(drawn, geoms):
        class_code = row.class_code
        seq = sequence[class_code] = sequence.get(class_code, 0) + 1
        if seq >= 10**COMPONENT_SEQUENCE_DIGITS:
            raise ValueError(f"too many components of class {class_code} for a 6-digit sequence")
        components.append(
            Component(
                code=f"{DISTRICT_CODE}{class_code}{seq:0{COMPONENT_SEQUENCE_DIGITS}d}",
                class_code=class_code,
                name=f"{classes[class_code].minor_zh}{seq}号",
                owner_code=row.owner_code,
                maintainer_code=row.maintainer_code,
                cell_code=cells[i].code,
                state="intact",
                geometry=geom,
            )
        )
    return tuple(sorted(components, key=lambda c: c.code))


def _shape_in(
    area: BaseGeometry, bounds: tuple[float, ...], geometry: str, rng: random.Random
) -> BaseGeometry | tuple[float, float]:
    """A point (as an (x, y) tuple), a 10-30 m segment or a 6-20 m square (random orientation)
    inside ``area`` (prepared, metres), by rejection sampling; a point when a shape does not fit
    in 50 tries."""
    minx, miny, maxx, maxy = bounds
    for _ in range(50):
        x, y = minx + rng.random() * (maxx - minx), miny + rng.random() * (maxy - miny)
        if geometry == "point":
            if shapely.contains_xy(area, x, y):
                return (x, y)
            continue
        angle = rng.random() * math.pi
        ux, uy = math.cos(angle), math.sin(angle)
        if geometry == "line":
            length = 10 + 20 * rng.random()
            geom = shapely.LineString([(x, y), (x + ux * length, y + uy * length)])
        else:
            side = 6 + 14 * rng.random()
            geom = shapely.Polygon(
                [(x, y), (x + ux * side, y + uy * side), (x + (ux - uy) * side, y + (uy + ux) * side), (x - uy * side, y + ux * side)]
            )
        if area.contains(geom):
            return geom
    return _shape_in(area, bounds, "point", rng)


def _duty_grids(tiling: Tiling, communities: tuple[Community, ...], cells: tuple[Cell, ...]) -> tuple[DutyGrid, ...]:
    """Split each community into about DUTY_GRID_CELLS-cell groups of edge-connected cells, one
    supervisor each ("supervisor" in the first community, then "sup_NNN" numbered by grid).

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
            supervisor = FIRST_SUPERVISOR if c == 0 else f"sup_{len(grids) + 1:03d}"
            grids.append(DutyGrid(f"DG{community.code}{k}", f"{community.name}{k}号责任网格", codes, (supervisor,)))
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


_CN_DIGITS = "零一二三四五六七八九"


def _chinese_number(n: int) -> str:
    """1..99 in Chinese numerals: 1 一, 10 十, 12 十二, 20 二十, 35 三十五; Arabic from 100."""
    if n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    return (_CN_DIGITS[tens] if tens > 1 else "") + ("十" if tens else "") + (_CN_DIGITS[ones] if ones else "")


def _places(tiling: Tiling, streets: tuple[Street, ...], cell_size_m: float) -> tuple[Place, ...]:
    """Roads and alleys on the grid lines, door plates along them, and the demo POIs."""
    outline = shapely.union_all([t.geometry for t in tiling.streets])
    street_geoms = np.array([t.geometry for t in tiling.streets], dtype=object)
    street_tree = shapely.STRtree(street_geoms)
    block = cell_size_m * COMMUNITY_CELLS * STREET_COMMUNITIES  # the tiling's alignment
    minx, miny, maxx, maxy = outline.bounds
    x0, y0 = math.floor(minx / block) * block, math.ceil(maxy / block) * block

    def street_of(points: np.ndarray) -> list[str]:
        """Street code of each point (metres), "" outside."""
        pt, st = street_tree.query(shapely.points(points), predicate="intersects")
        out = [""] * len(points)
        for p, s in sorted(zip(pt.tolist(), st.tolist()), reverse=True):
            out[p] = streets[s].code
        return out

    lines: list[tuple[str, BaseGeometry, str]] = []  # (place_type, metre piece, direction "ew" / "ns")
    grid_lines = []  # (place_type, direction, full line across the outline)
    for k in range(1, math.ceil((y0 - miny) / cell_size_m)):
        if k % ALLEY_EVERY == 0 or k % ROAD_EVERY == 0:
            y = y0 - k * cell_size_m
            grid_lines.append(("road" if k % ROAD_EVERY == 0 else "alley", "ew", [(minx - 1, y), (maxx + 1, y)]))
    for k in range(1, math.ceil((maxx - x0) / cell_size_m)):
        if k % ALLEY_EVERY == 0 or k % ROAD_EVERY == 0:
            x = x0 + k * cell_size_m
            grid_lines.append(("road" if k % ROAD_EVERY == 0 else "alley", "ns", [(x, maxy + 1), (x, miny - 1)]))
    with np.errstate(invalid="ignore"):  # GEOS raises a harmless FP flag on some of these overlays
        inside = shapely.intersection(shapely.linestrings([g for _, _, g in grid_lines]), outline)
    for (place_type, direction, _), piece in zip(grid_lines, inside):
        # Cut per block, so a road is a block long (a real road name rarely spans the district).
        for b in range(math.ceil((maxx - x0 if direction == "ew" else y0 - miny) / block)):
            if direction == "ew":
                part = shapely.clip_by_rect(piece, x0 + b * block, miny - 1, x0 + (b + 1) * block, maxy + 1)
            else:
                part = shapely.clip_by_rect(piece, minx - 1, y0 - (b + 1) * block, maxx + 1, y0 - b * block)
            merged = shapely.line_merge(part) if part.geom_type == "MultiLineString" else part
            for line in shapely.get_parts(merged):
                if line.geom_type == "LineString" and line.length >= 2 * DOOR_PLATE_STEP_M:
                    lines.append((place_type, line, direction))

    real = {"road": [], "alley": []}
    for row in _read_csv("demo_roads.csv"):
        real[row["kind"]].append(row["name"])
    mids = street_of(np.array([p.interpolate(0.5, normalized=True).coords[0] for _, p, _ in lines]))
    stems = {s.code: s.name.removesuffix("街道") for s in streets}
    # Longest lines take the real names first; the rest are named after their street.
    order = sorted(range(len(lines)), key=lambda i: (lines[i][0], -round(lines[i][1].length), i))
    names: dict[int, str] = {}
    made: dict[tuple[str, str], int] = {}
    taken = {normalise(n) for n in real["road"] + real["alley"]}  # 东四头条 takes 东四一条 too
    for i in order:
        place_type = lines[i][0]
        if real[place_type]:
            names[i] = real[place_type].pop(0)
            continue
        stem = stems.get(mids[i], "东城")
        while True:  # skip generated names that a real one already has (东四三条, 北新桥三条)
            n = made[(stem, place_type)] = made.get((stem, place_type), 0) + 1
            name = f"{stem}{_chinese_number(n)}{'路' if place_type == 'road' else '条'}"
            if normalise(name) not in taken:
                break
        names[i] = name
        taken.add(normalise(name))

    places: list[Place] = []
    plates: list[tuple[str, tuple[float, float]]] = []
    for i, (place_type, part, direction) in enumerate(lines):
        coords = list(part.coords)
        if (direction == "ew" and coords[0][0] > coords[-1][0]) or (direction == "ns" and coords[0][1] < coords[-1][1]):
            part = shapely.LineString(coords[::-1])  # number west -> east, north -> south
        places.append(Place(f"{DISTRICT_CODE}R{len(places) + 1:04d}", names[i], place_type, part, mids[i]))
        left = shapely.offset_curve(part, DOOR_PLATE_OFFSET_M)  # west/north side of the way: odd numbers
        right = shapely.offset_curve(part, -DOOR_PLATE_OFFSET_M)
        count = int(part.length // DOOR_PLATE_STEP_M)
        for k in range(count):
            at = (k + 0.5) * DOOR_PLATE_STEP_M / part.length
            plates.append((f"{names[i]}{2 * k + 1}号", left.interpolate(at, normalized=True).coords[0]))
            plates.append((f"{names[i]}{2 * k + 2}号", right.interpolate(at, normalized=True).coords[0]))
    xy = np.array([p for _, p in plates]).reshape(-1, 2)
    inside = shapely.contains_xy(outline, xy[:, 0], xy[:, 1])
    plate_streets = street_of(xy)
    wgs = _to_wgs84(list(shapely.points(xy)))
    road_places = [Place(p.code, p.name, p.kind, g, p.street_code) for p, g in zip(places, _to_wgs84([p.geometry for p in places]))]
    kept = [(name, g, st) for (name, _), g, st, ok in zip(plates, wgs, plate_streets, inside.tolist()) if ok]
    door_plates = [Place(f"{DISTRICT_CODE}D{n:06d}", name, "door_plate", g, st) for n, (name, g, st) in enumerate(kept, 1)]
    pois = []
    for n, row in enumerate(_read_csv("demo_pois.csv"), start=1):
        lon, lat = to_wgs84(float(row["lon"]), float(row["lat"]), Frame.GCJ02)
        point = shapely.Point(lon, lat)
        (st,) = street_of(np.array([coords_to_metres(np.array([[lon, lat]]))[0]]))
        if st:
            pois.append(Place(f"{DISTRICT_CODE}P{n:04d}", row["name"], "poi", point, st))
    return tuple(road_places + door_plates + pois)


def _summary(city: City, seconds: float) -> str:
    areas = [c.area_m2 for c in city.cells]
    responsibilities: dict[str, int] = {}
    for d in city.departments:
        responsibilities[d.kind] = responsibilities.get(d.kind, 0) + 1
    places: dict[str, int] = {}
    for p in city.places:
        places[p.kind] = places.get(p.kind, 0) + 1
    return "\n".join(
        [
            f"district     {city.district.code} {city.district.name}",
            f"streets      {len(city.streets)}",
            f"communities  {len(city.communities)}",
            f"cells        {len(city.cells)} (codes of {len(city.cells[0].code)} digits)",
            f"cell area    mean {sum(areas) / len(areas):,.0f} m2, min {min(areas):,.0f}, max {max(areas):,.0f}",
            f"total area   {sum(areas) / 1e6:.2f} km2",
            f"duty grids   {len(city.duty_grids)}",
            f"departments  {len(city.departments)} ({', '.join(f'{k} {v}' for k, v in sorted(responsibilities.items()))})",
            f"components   {len(city.components)} in {len({c.class_code for c in city.components})} classes",
            f"places       {len(city.places)} ({', '.join(f'{k} {v}' for k, v in sorted(places.items()))})",
            f"build time   {seconds:.2f} s",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gridmaps.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--summary", action="store_true", help="build the demo city and print counts")
    parser.add_argument("--seed", type=int, default=2004)
    parser.add_argument("--cell-size", type=float, default=100.0, help="grid square side in metres")
    parser.add_argument("--sequence-digits", type=int, choices=(2, 3), default=3)
    parser.add_argument("--components-per-cell", type=float, default=None, help="default: per-class densities")
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

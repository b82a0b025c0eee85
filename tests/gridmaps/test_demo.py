"""gridmaps.demo: the demo city on the Dongcheng outline."""

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import shapely

from gis.frames import coords_to_metres, to_metres
from gridmaps.classification import class_by_code
from gridmaps.demo import build_demo_city, component_class_table, load_outline, main
from gridmaps.model import DEPARTMENT_KINDS, PLACE_KINDS

REAL_STREET_NAMES = {
    f"{stem}街道"
    for stem in "东华门 景山 交道口 安定门 北新桥 东四 朝阳门 建国门 东直门 和平里 前门 崇文门外 东花市 龙潭 "
    "体育馆路 天坛 永定门外".split()
}


def metres(geom):
    return shapely.transform(geom, coords_to_metres)


@pytest.fixture(scope="module")
def city():
    return build_demo_city()


@pytest.fixture(scope="module")
def cells_m(city):
    return np.array([metres(c.geometry) for c in city.cells], dtype=object)


def test_the_same_seed_gives_the_same_city(city):
    assert build_demo_city() == city
    other = build_demo_city(seed=7)
    assert other.cells == city.cells  # the grid does not depend on the seed
    assert other.components != city.components


def test_counts_are_dongcheng_like(city):
    assert len(city.streets) == 17
    assert {s.name for s in city.streets} == REAL_STREET_NAMES
    assert 100 <= len(city.communities) <= 200
    assert 3_800 <= len(city.cells) <= 4_600  # about 42 km2 of 100 m cells
    assert 30_000 <= len(city.components) <= 50_000  # tens of thousands, about 1,050 a km2
    assert len({c.class_code for c in city.components}) >= 50


def test_component_densities_follow_the_class_table(city):
    table = component_class_table()
    area_km2 = sum(c.area_m2 for c in city.cells) / 1e6
    counts = Counter(c.class_code for c in city.components)
    for row in table:
        expected = row.per_km2 * area_km2
        assert abs(counts[row.class_code] - expected) <= 5 * expected**0.5 + 3, row.class_code  # Poisson spread
    street_trees, heritage_trees = counts["0402"], counts["0401"]
    assert street_trees > 10 * heritage_trees  # plausible: many street trees, few heritage trees



def test_codes_follow_the_hierarchy(city):
    assert city.district.code == "110101"
    streets = {s.code for s in city.streets}
    communities = {c.code: c for c in city.communities}
    assert all(re.fullmatch(r"110101\d{3}", s) for s in streets)
    for c in city.communities:
        assert re.fullmatch(r"\d{12}", c.code) and c.code[:9] == c.street_code and c.street_code in streets
        assert c.name.endswith("社区")
    for cell in city.cells:
        assert re.fullmatch(r"\d{15}", cell.code) and cell.code[:12] == cell.community_code
        assert communities[cell.community_code].street_code == cell.street_code


def test_two_digit_sequences_give_14_digit_cell_codes():
    small = build_demo_city(sequence_digits=2, components_per_cell=2.0)
    assert all(re.fullmatch(r"\d{14}", c.code) and c.code[:12] == c.community_code for c in small.cells)
    assert 1.8 <= len(small.components) / len(small.cells) <= 2.2  # the densities, scaled


def test_codes_are_unique(city):
    for items in (city.streets, city.communities, city.cells, city.duty_grids, city.departments, city.components):
        codes = [i.code for i in items]
        assert len(codes) == len(set(codes))


def test_cells_are_numbered_west_to_east_then_north_to_south(city, cells_m):
    by_community = {}
    for cell, geom in zip(city.cells, cells_m):
        if abs(geom.area - 10_000) < 1:  # full squares have an exact grid position
            minx, _, _, maxy = geom.bounds
            by_community.setdefault(cell.community_code, []).append((cell.code, (-round(maxy), round(minx))))
    assert len(by_community) > 100
    for squares in by_community.values():
        assert [code for code, _ in squares] == [code for code, _ in sorted(squares, key=lambda s: s[1])]
        assert sorted(squares) == squares  # city.cells is in code order


def test_cells_tile_the_outline_without_gaps_or_overlaps(city, cells_m):
    outline = metres(city.district.geometry)
    union = shapely.union_all(cells_m)
    assert union.area == pytest.approx(outline.area, rel=0.001)
    assert union.symmetric_difference(outline).area < 1.0  # m2, over 42 km2
    tree = shapely.STRtree(cells_m)
    a, b = tree.query(cells_m, predicate="intersects")
    pairs = a < b
    overlaps = shapely.area(shapely.intersection(cells_m[a[pairs]], cells_m[b[pairs]]))
    assert overlaps.max() < 0.01  # m2: neighbours share edges only
    assert all(c.geometry.geom_type == "Polygon" and c.geometry.is_valid for c in city.cells)


def test_cells_lie_in_their_community_and_street(city, cells_m):
    communities = {c.code: metres(c.geometry).buffer(0.01) for c in city.communities}
    streets = {s.code: metres(s.geometry).buffer(0.01) for s in city.streets}
    for cell, geom in zip(city.cells, cells_m):
        assert communities[cell.community_code].covers(geom), cell.code
        assert streets[cell.street_code].covers(geom), cell.code


def test_cell_areas_are_about_ten_thousand_square_metres(city, cells_m):
    boundary = metres(city.district.geometry).boundary
    interior = [(c, g) for c, g in zip(city.cells, cells_m) if g.distance(boundary) > 1]
    assert len(interior) > 0.8 * len(city.cells)
    for cell, geom in interior:
        assert cell.area_m2 == pytest.approx(10_000, abs=0.5)
        assert geom.area == pytest.approx(10_000, abs=0.5)
    areas = [c.area_m2 for c in city.cells]
    assert min(areas) >= 3_000  # edge fragments under 30 % were merged
    assert max(areas) <= 20_000


def test_components_are_coded_classed_and_inside_their_cell(city):
    classes = class_by_code("component")
    cells = {c.code: c.geometry for c in city.cells}
    departments = {d.code for d in city.departments}
    kinds = {r.class_code: r.geometry for r in component_class_table()}
    expected_type = {"point": "Point", "line": "LineString", "polygon": "Polygon"}
    for comp in city.components:
        assert re.fullmatch(r"110101\d{10}", comp.code) and comp.code[6:10] == comp.class_code
        assert comp.class_code in classes
        assert comp.owner_code in departments and comp.maintainer_code in departments
        assert comp.state == "intact" and comp.geometry.is_valid
        # A shape that did not fit its cell in 50 tries falls back to a point.
        assert comp.geometry.geom_type in (expected_type[kinds[comp.class_code]], "Point")
        assert cells[comp.cell_code].contains(comp.geometry), comp.code
    types = Counter(c.geometry.geom_type for c in city.components)
    assert types["LineString"] > 500 and types["Polygon"] > 200  # railings; green spaces, parking lots
    assert any(classes[c.class_code].minor_zh.endswith("井盖") for c in city.components)


def test_placing_a_components_point_finds_its_cell_and_duty_grid(city):
    index = city.placement_index()
    assert index.cell_count == len(city.cells) and index.component_count == len(city.components)
    grid_of = {code: g for g in city.duty_grids for code in g.cell_codes}
    for comp in city.components[::7]:
        point = comp.geometry if comp.geometry.geom_type == "Point" else comp.geometry.representative_point()
        placed = index.place(point.x, point.y, radius_m=1)
        assert placed.cell_code == comp.cell_code
        assert placed.components[0].code == comp.code and placed.components[0].distance_m < 1e-6
        assert placed.duty_grid_code == grid_of[comp.cell_code].code
        assert placed.supervisors == grid_of[comp.cell_code].supervisor_usernames


def test_departments(city):
    kinds = Counter(d.kind for d in city.departments)
    assert set(kinds) <= set(DEPARTMENT_KINDS)
    assert kinds["territory"] == len(city.streets) and kinds["enforcement"] >= 1
    territory = {d.code: d.name for d in city.departments if d.kind == "territory"}
    for street in city.streets:
        assert territory[f"ST{street.code}"] == f"{street.name}办事处"
    assert all(d.code.isascii() for d in city.departments)


def test_duty_grids_are_contiguous_parts_of_one_community(city):
    cells = {c.code: c for c in city.cells}
    covered = Counter(code for grid in city.duty_grids for code in grid.cell_codes)
    assert set(covered) == set(cells) and set(covered.values()) == {1}
    for grid in city.duty_grids:
        (community,) = {cells[code].community_code for code in grid.cell_codes}
        assert re.fullmatch(rf"DG{community}\d", grid.code)
        assert shapely.union_all([cells[code].geometry for code in grid.cell_codes]).geom_type == "Polygon"
    sizes = [len(g.cell_codes) for g in city.duty_grids]
    assert 15 <= sum(sizes) / len(sizes) <= 25


def test_duty_grids_have_supervisors(city):
    first = city.communities[0].code
    for grid in city.duty_grids:
        assert len(grid.supervisor_usernames) == 1
        (username,) = grid.supervisor_usernames
        if grid.code.startswith(f"DG{first}"):
            assert username == "supervisor"  # the demo user patrols the first community
        else:
            assert re.fullmatch(r"sup_\d{3}", username)
    names = [g.supervisor_usernames[0] for g in city.duty_grids if g.supervisor_usernames != ("supervisor",)]
    assert len(names) == len(set(names))


def test_gazetteer_roads_alleys_door_plates_and_pois(city):
    kinds = Counter(p.kind for p in city.places)
    assert set(kinds) <= set(PLACE_KINDS)
    assert kinds["road"] >= 80 and kinds["alley"] >= 150 and kinds["poi"] >= 5
    assert 15_000 <= kinds["door_plate"] <= 30_000
    codes = [p.code for p in city.places]
    assert len(codes) == len(set(codes)) and all(c.isascii() for c in codes)
    ways = {p.name: p for p in city.places if p.kind in ("road", "alley")}
    assert len(ways) == kinds["road"] + kinds["alley"]  # names are unique
    assert {"王府井大街", "东四十条", "南锣鼓巷", "史家胡同"} <= set(ways)
    streets = {s.code for s in city.streets}
    outline = metres(city.district.geometry)
    for p in city.places:
        assert p.street_code in streets, p.code
        if p.kind == "door_plate":
            road, number = re.fullmatch(r"(.+?)(\d+)号", p.name).groups()
            assert road in ways and int(number) >= 1
            assert outline.contains(metres(p.geometry))
            # Door plates sit 5 m off their way, beside it.
            assert metres(ways[road].geometry).distance(metres(p.geometry)) == pytest.approx(5.0, abs=0.05)


def test_door_plates_are_numbered_odd_and_even_along_the_way(city):
    plates = [p for p in city.places if p.kind == "door_plate" and p.name.startswith("王府井大街")]
    numbers = {int(re.search(r"(\d+)号", p.name).group(1)): p for p in plates}
    way = metres(next(p.geometry for p in city.places if p.name == "王府井大街"))
    along = {n: way.project(metres(p.geometry)) for n, p in numbers.items()}
    odd = sorted(n for n in numbers if n % 2)
    assert [along[n] for n in odd] == sorted(along[n] for n in odd)  # increasing along the way
    assert abs(along[1] - along[2]) < 1e-6  # 1 and 2 face each other


def test_outline_is_converted_from_gcj02(city):
    # The file is GCJ-02; the city is WGS84, a few hundred metres away.
    gcj = load_outline(frame="wgs84")  # read without conversion
    shift = np.subtract(to_metres(*gcj.centroid.coords[0]), to_metres(*city.district.geometry.centroid.coords[0]))
    assert 100 < np.hypot(*shift) < 700


def test_summary_command(capsys):
    main(["--summary", "--components-per-cell", "0"])
    out = capsys.readouterr().out
    assert "components   0 " in out
    assert "streets      17" in out and "cells" in out and "places" in out and "build time" in out


def test_gridmaps_imports_no_framework_and_no_server_package():
    check = (
        "import sys, gridmaps, gridmaps.demo; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'django', 'kivy', 'server', 'workflows', 'mobileapp'}); "
        "sys.exit(', '.join(bad) or 0)"
    )
    result = subprocess.run([sys.executable, "-c", check], cwd=Path(__file__).parents[2], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

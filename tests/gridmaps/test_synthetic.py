"""gridmaps.synthetic: the Beijing-sized benchmark city (checked small, and its default size)."""

import re
from collections import Counter

import numpy as np
import pytest
import shapely

from gis.frames import coords_to_metres
from gridmaps.classification import class_by_code
from gridmaps.demo import component_class_table
from gridmaps.synthetic import build_synthetic_city


def metres(geoms):
    return shapely.transform(np.array(geoms, dtype=object), coords_to_metres)


@pytest.fixture(scope="module")
def city():
    return build_synthetic_city(seed=5, cells=600, components=20_000)


def test_deterministic_by_seed(city):
    again = build_synthetic_city(seed=5, cells=600, components=20_000)
    assert again.cells == city.cells and again.components == city.components
    other = build_synthetic_city(seed=6, cells=600, components=20_000)
    assert [c.geometry for c in other.cells] != [c.geometry for c in city.cells]


def test_sizes(city):
    assert 570 <= len(city.cells) <= 630 and len(city.components) == 20_000
    areas = np.array([c.area_m2 for c in city.cells])
    assert areas.mean() == pytest.approx(48_900, rel=0.03)
    assert areas.min() > 0.5 * 48_900 and areas.max() < 1.6 * 48_900
    assert len(city.duty_grids) == len(city.communities)


def test_default_size_is_beijing_2011():
    cells_only = build_synthetic_city(components=0)
    assert 29_000 <= len(cells_only.cells) <= 31_000  # Beijing 2011: 29,790 cells of 48,900 m2 on average
    assert np.mean([c.area_m2 for c in cells_only.cells]) == pytest.approx(48_900, rel=0.01)
    assert 150 <= len(cells_only.streets) <= 350 and 2_500 <= len(cells_only.communities) <= 4_000


def test_codes_follow_the_hierarchy(city):
    streets = {s.code for s in city.streets}
    communities = {c.code: c for c in city.communities}
    for cell in city.cells:
        assert re.fullmatch(r"110100\d{9}", cell.code) and cell.code[:12] == cell.community_code
        assert communities[cell.community_code].street_code == cell.street_code and cell.street_code in streets
    classes = class_by_code("component")
    cells = {c.code for c in city.cells}
    for comp in city.components:
        assert re.fullmatch(r"110100\d{10}", comp.code) and comp.code[6:10] == comp.class_code in classes
        assert comp.cell_code in cells
    for items in (city.streets, city.communities, city.cells, city.duty_grids, city.components):
        assert len({i.code for i in items}) == len(items)


def test_cells_tile_without_overlaps_and_numbering_reads_north_to_south(city):
    geoms = metres([c.geometry for c in city.cells])
    assert all(g.is_valid for g in geoms)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    pairs = a < b
    assert shapely.area(shapely.intersection(geoms[a[pairs]], geoms[b[pairs]])).max() < 0.01
    union = metres([city.district.geometry])[0]
    assert union.area == pytest.approx(shapely.area(geoms).sum(), rel=1e-9)  # no gaps inside, no overlaps
    members = Counter(c.community_code for c in city.cells)
    full = next(code for code, n in members.items() if n == 9)  # a whole 3 x 3 community
    centres = [g.centroid for c, g in zip(city.cells, geoms) if c.community_code == full]
    for row in range(3):
        xs = [p.x for p in centres[3 * row : 3 * row + 3]]
        assert xs == sorted(xs)  # west -> east
    for col in range(3):
        ys = [p.y for p in centres[col::3]]
        assert ys == sorted(ys, reverse=True)  # north -> south


def test_components_sit_in_their_cells_with_the_class_geometry(city):
    kinds = {r.class_code: r.geometry for r in component_class_table()}
    expected = {"point": "Point", "line": "LineString", "polygon": "Polygon"}
    cells = {c.code: c.geometry for c in city.cells}
    for comp in city.components[::5]:
        assert comp.geometry.geom_type == expected[kinds[comp.class_code]]
        assert cells[comp.cell_code].contains(comp.geometry), comp.code
    counts = Counter(c.class_code for c in city.components)
    assert counts["0402"] > counts["0401"] * 10  # densities from the demo's class table


def test_duty_grids_and_placement(city):
    assert all(re.fullmatch(r"sup_\d{4}", g.supervisor_usernames[0]) for g in city.duty_grids)
    assert sorted(code for g in city.duty_grids for code in g.cell_codes) == sorted(c.code for c in city.cells)
    index = city.placement_index()
    for comp in city.components[::50]:
        p = comp.geometry.representative_point()
        placed = index.place(p.x, p.y, class_code=comp.class_code, radius_m=1)
        assert placed.cell_code == comp.cell_code and placed.components[0].code == comp.code
        assert placed.supervisors and placed.duty_grid_code.startswith("DG" + placed.community_code)


def test_bad_arguments():
    with pytest.raises(ValueError):
        build_synthetic_city(cells=0)
    with pytest.raises(ValueError):
        build_synthetic_city(components=-1)

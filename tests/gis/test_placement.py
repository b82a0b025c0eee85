"""gis.placement on the toy grid: a 3 x 3 block of hand-drawn 100 m squares.

    north
    001 002 003
    004 005 006      (codes 110101001001 + 3 digits, reading order)
    007 008 009

Squares are drawn in projected metres around Dongcheng and converted to WGS84 lon/lat.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from gis import CellRecord, ComponentRecord, DutyGridRecord, Frame, OutsideManagedArea, PlacementIndex
from gis.frames import from_metres, to_metres, wgs84_to_bd09, wgs84_to_gcj02

COMMUNITY = "110101001001"
STREET = "110101001"
X0, Y0 = (round(v, -2) for v in to_metres(116.40, 39.91))  # north-west corner, metres
SIZE = 100.0


def code(n):
    return f"{COMMUNITY}{n:03d}"


def lonlat(x, y):
    """Toy-grid metres (east of X0, south of Y0) -> WGS84 lon/lat."""
    return from_metres(X0 + x, Y0 - y)


def square(row, col):
    corners = [(col, row), (col + 1, row), (col + 1, row + 1), (col, row + 1)]
    return shapely.Polygon([lonlat(c * SIZE, r * SIZE) for c, r in corners])


def midpoint(a, b):
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


TOY_CELLS = [CellRecord(code(3 * r + c + 1), COMMUNITY, STREET, square(r, c)) for r in range(3) for c in range(3)]

TOY_COMPONENTS = [
    ComponentRecord("1101010101000001", "0101", shapely.Point(lonlat(155, 150)), "WATER", "WATER"),  # 5 m
    ComponentRecord("1101010101000002", "0101", shapely.Point(lonlat(150, 162)), "WATER", "WATER"),  # 12 m
    ComponentRecord("1101010101000003", "0101", shapely.Point(lonlat(180, 150)), "WATER", "WATER"),  # 30 m
    ComponentRecord("1101010118000001", "0118", shapely.Point(lonlat(142, 150)), "MUNICIPAL", "LIGHTING"),  # 8 m
    ComponentRecord(  # a railing, 15 m north of the centre
        "1101010211000001", "0211", shapely.LineString([lonlat(120, 135), lonlat(180, 135)]), "TRAFFIC", None
    ),
]

CENTRE = lonlat(150, 150)  # centre of 005


@pytest.fixture(scope="module")
def index():
    # Reversed input order: the lowest-code rule must not depend on insertion order.
    return PlacementIndex(reversed(TOY_CELLS), TOY_COMPONENTS)


def test_point_inside_a_cell(index):
    placed = index.place(*CENTRE)
    assert placed.cell_code == code(5)
    assert placed.community_code == COMMUNITY and placed.street_code == STREET
    assert placed.candidate_cells == (code(5),)


def test_point_on_a_shared_edge_goes_to_the_lowest_code(index):
    # The edge between 005 and 006, as the midpoint of its lon/lat end points.
    on_edge = midpoint(lonlat(200, 100), lonlat(200, 200))
    placed = index.place(*on_edge)
    assert placed.cell_code == code(5)
    assert placed.candidate_cells == (code(5), code(6))
    # And between 002 (north) and 005: 002 wins.
    assert index.place(*midpoint(lonlat(100, 100), lonlat(200, 100))).cell_code == code(2)


def test_point_on_a_shared_vertex_goes_to_the_lowest_code(index):
    placed = index.place(*lonlat(200, 200))  # corner of 005, 006, 008, 009
    assert placed.cell_code == code(5)
    assert placed.candidate_cells == (code(5), code(6), code(8), code(9))


def test_point_outside_every_cell_raises(index):
    lon, lat = lonlat(-50, 150)
    with pytest.raises(OutsideManagedArea) as err:
        index.place(lon, lat)
    assert isinstance(err.value, ValueError)
    assert f"{lon:.7f}" in str(err.value) and f"{lat:.7f}" in str(err.value)


def test_point_just_outside_snaps_within_its_accuracy(index):
    just_outside = lonlat(-5, 150)  # 5 m west of 004
    placed = index.place(*just_outside, accuracy_m=10)
    assert placed.cell_code == code(4)
    assert placed.candidate_cells == (code(4),)
    with pytest.raises(OutsideManagedArea, match="accuracy of 3 m"):
        index.place(*just_outside, accuracy_m=3)


def test_accuracy_lists_every_cell_it_reaches(index):
    near_east_edge = lonlat(190, 150)  # inside 005, 10 m from 006
    assert index.place(*near_east_edge).candidate_cells == (code(5),)
    placed = index.place(*near_east_edge, accuracy_m=15)
    assert placed.cell_code == code(5)  # the containing cell still wins over distance
    assert placed.candidate_cells == (code(5), code(6))


def test_components_within_radius_nearest_first(index):
    placed = index.place(*CENTRE, radius_m=20)
    assert [c.code for c in placed.components] == [
        "1101010101000001",  # 5 m
        "1101010118000001",  # 8 m
        "1101010101000002",  # 12 m
        "1101010211000001",  # 15 m (a line)
    ]
    assert [round(c.distance_m, 2) for c in placed.components] == [5.0, 8.0, 12.0, 15.0]
    light = placed.components[1]
    assert (light.class_code, light.owner_code, light.maintainer_code) == ("0118", "MUNICIPAL", "LIGHTING")


def test_components_filtered_by_class_and_limited(index):
    placed = index.place(*CENTRE, class_code="0101", radius_m=50)
    assert [c.code for c in placed.components] == ["1101010101000001", "1101010101000002", "1101010101000003"]
    assert len(index.place(*CENTRE, class_code="0101", radius_m=50, limit=1).components) == 1
    assert index.place(*CENTRE, class_code="0305").components == ()
    assert index.place(*CENTRE, limit=0).components == ()


def test_accuracy_widens_the_component_search(index):
    assert "1101010101000003" not in [c.code for c in index.place(*CENTRE, radius_m=20).components]
    wide = index.place(*CENTRE, radius_m=20, accuracy_m=35, limit=10)
    assert "1101010101000003" in [c.code for c in wide.components]


def test_points_in_other_frames_are_converted_first(index):
    assert index.place(*wgs84_to_gcj02(*CENTRE), frame=Frame.GCJ02).cell_code == code(5)
    assert index.place(*wgs84_to_bd09(*CENTRE), frame="bd09").cell_code == code(5)
    assert index.place(*CENTRE, frame=Frame.CGCS2000).cell_code == code(5)
    # Not converting a GCJ-02 point would put it hundreds of metres away, outside the toy grid.
    with pytest.raises(OutsideManagedArea):
        index.place(*wgs84_to_gcj02(*CENTRE))


def test_counts_and_bounds(index):
    assert index.cell_count == 9 and index.component_count == len(TOY_COMPONENTS)
    # Grid north is not true north off the central meridian, so take the extremes of all corners.
    corners = [lonlat(x, y) for x in (0, 300) for y in (0, 300)]
    expected = (
        min(c[0] for c in corners),
        min(c[1] for c in corners),
        max(c[0] for c in corners),
        max(c[1] for c in corners),
    )
    assert index.bounds_wgs84() == pytest.approx(expected, abs=1e-12)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="duplicate cell code"):
        PlacementIndex([TOY_CELLS[0], TOY_CELLS[0]])
    with pytest.raises(ValueError, match="Polygon"):
        PlacementIndex([CellRecord("x", COMMUNITY, STREET, shapely.Point(CENTRE))])
    index = PlacementIndex(TOY_CELLS)
    with pytest.raises(ValueError):
        index.place(*CENTRE, accuracy_m=-1)
    with pytest.raises(ValueError):
        index.place(*CENTRE, radius_m=float("nan"))
    with pytest.raises(ValueError):
        index.place(float("nan"), 39.9)


def test_a_point_the_metre_frame_cannot_project_is_outside(index):
    """Far from the zone of EPSG:4548 (the Pacific) the projection gives infinities: that is a
    point outside the managed area with no components near, not a broken input."""
    for lon, lat, frame in ((-149.88, 0.0, Frame.WGS84), (-149.88, 1e-7, Frame.BD09),
                            (-179.9, -89.9, Frame.GCJ02)):
        with pytest.raises(OutsideManagedArea):
            index.place(lon, lat, frame, accuracy_m=5)
        assert index.components_near(lon, lat, frame, radius_m=500) == ()
    with pytest.raises(ValueError):
        index.components_near(float("inf"), 39.9)


def test_an_empty_index_places_nothing():
    empty = PlacementIndex([])
    assert empty.cell_count == 0
    with pytest.raises(OutsideManagedArea):
        empty.place(*CENTRE)
    with pytest.raises(ValueError):
        empty.bounds_wgs84()


def test_duty_grid_and_supervisors_come_with_the_cell():
    grids = [
        DutyGridRecord("DG2", tuple(code(n) for n in (4, 5, 6, 7, 8, 9)), ("sup_002", "sup_003")),
        DutyGridRecord("DG1", tuple(code(n) for n in (1, 2, 3)), ("supervisor",)),
    ]
    index = PlacementIndex(TOY_CELLS, TOY_COMPONENTS, grids)
    placed = index.place(*CENTRE)
    assert (placed.duty_grid_code, placed.supervisors) == ("DG2", ("sup_002", "sup_003"))
    # On the edge between 002 (DG1) and 005 (DG2) the lowest cell code wins, and its grid.
    on_edge = index.place(*midpoint(lonlat(100, 100), lonlat(200, 100)))
    assert (on_edge.cell_code, on_edge.duty_grid_code, on_edge.supervisors) == (code(2), "DG1", ("supervisor",))


def test_without_duty_grids_the_placement_has_none(index):
    placed = index.place(*CENTRE)
    assert placed.duty_grid_code is None and placed.supervisors == ()


def test_a_cell_in_two_duty_grids_belongs_to_the_lowest_code():
    grids = [DutyGridRecord("DG9", (code(5),), ("b",)), DutyGridRecord("DG1", (code(5),), ("a",))]
    assert PlacementIndex(TOY_CELLS, (), grids).place(*CENTRE).duty_grid_code == "DG1"


def test_a_duty_grid_naming_an_unknown_cell_is_refused():
    with pytest.raises(ValueError, match="unknown cell"):
        PlacementIndex(TOY_CELLS, (), [DutyGridRecord("DG1", ("999",))])
    with pytest.raises(ValueError, match="duplicate duty grid code"):
        PlacementIndex(TOY_CELLS, (), [DutyGridRecord("DG1", ()), DutyGridRecord("DG1", ())])


def test_projected_frame_takes_metres(index):
    x, y = to_metres(*CENTRE)
    assert index.place(x, y, Frame.PROJECTED).cell_code == code(5)
    assert index.place(x, y, "cgcs2000_gk39", radius_m=20).components == index.place(*CENTRE).components
    with pytest.raises(OutsideManagedArea, match=r"point \(x "):
        index.place(x - 1000, y, Frame.PROJECTED)


def test_equal_distances_are_ordered_by_code_whatever_the_input_order():
    at = shapely.Point(lonlat(150, 150))
    twins = [ComponentRecord(f"11010101010000{n:02d}", "0101", at) for n in (7, 3, 5)]
    index = PlacementIndex(TOY_CELLS, twins)
    assert [c.code for c in index.place(*CENTRE).components] == [
        "1101010101000003",
        "1101010101000005",
        "1101010101000007",
    ]
    assert index.place_many([CENTRE[0]], [CENTRE[1]]).component_code.tolist() == ["1101010101000003"]


def test_polygon_components_are_at_distance_zero_inside():
    green = ComponentRecord("1101010405000001", "0405", shapely.Polygon([lonlat(*xy) for xy in [(140, 140), (160, 140), (160, 160), (140, 160)]]))
    placed = PlacementIndex(TOY_CELLS, [green]).place(*CENTRE)
    assert [(c.code, c.distance_m) for c in placed.components] == [("1101010405000001", 0.0)]


def test_bad_components_are_refused():
    with pytest.raises(ValueError, match="duplicate component code"):
        PlacementIndex(TOY_CELLS, [TOY_COMPONENTS[0], TOY_COMPONENTS[0]])
    with pytest.raises(ValueError, match="geometry is empty"):
        PlacementIndex(TOY_CELLS, [ComponentRecord("x", "0101", shapely.Point())])


def test_place_many_gives_what_place_gives(index):
    points = [CENTRE, lonlat(-50, 150), lonlat(200, 200), midpoint(lonlat(200, 100), lonlat(200, 200)), lonlat(175, 140)]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    for class_code in (None, "0101", "0211", "0305"):
        bulk = index.place_many(lons, lats, class_code)
        for k, point in enumerate(points):
            try:
                placed = index.place(*point, class_code=class_code, limit=1)
            except OutsideManagedArea:
                assert bulk.cell_code[k] == ""
                continue
            assert bulk.cell_code[k] == placed.cell_code
            nearest = placed.components[0] if placed.components else None
            assert bulk.component_code[k] == (nearest.code if nearest else "")
            if nearest:
                assert bulk.distance_m[k] == nearest.distance_m
            else:
                assert np.isnan(bulk.distance_m[k])


def test_place_many_in_other_frames_and_bad_input(index):
    gcj = wgs84_to_gcj02(*CENTRE)
    assert index.place_many([gcj[0]], [gcj[1]], frame=Frame.GCJ02).cell_code.tolist() == [code(5)]
    assert index.place_many([float("nan")], [39.9]).cell_code.tolist() == [""]
    assert index.place_many([], []).cell_code.size == 0
    with pytest.raises(ValueError):
        index.place_many([CENTRE[0]], [CENTRE[1]], radius_m=-1)


def test_gis_imports_no_framework_and_no_other_project_package():
    check = (
        "import sys, gis, gis.frames, gis.placement; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'django', 'kivy', 'gridmaps', 'server', 'workflows', 'mobileapp'}); "
        "sys.exit(', '.join(bad) or 0)"
    )
    result = subprocess.run([sys.executable, "-c", check], cwd=Path(__file__).parents[2], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

"""gis.frames: GCJ-02 / BD-09 conversions and the projected metre frame."""

import math

import numpy as np
import pytest

from gis.frames import (
    PROJECTED_EPSG,
    Frame,
    bd09_to_gcj02,
    bd09_to_wgs84,
    frame_to_metres,
    frame_to_metres_array,
    from_metres,
    from_metres_array,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    to_metres,
    to_metres_array,
    to_wgs84,
    to_wgs84_array,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# A grid over Beijing and its surroundings (not only Dongcheng).
BEIJING_GRID = [(115.4 + 2.2 * i / 14, 39.4 + 1.7 * j / 14) for i in range(15) for j in range(15)]

# Published example pairs for Tiananmen (WGS84 116.404, 39.915) from the coordtransform README
# (wandergis/coordtransform), which implements the same public formula.
WGS_POINT = (116.404, 39.915)
GCJ_OF_WGS_POINT = (116.41024449916938, 39.91640428150164)
BD_OF_GCJ_POINT = (116.41036949371029, 39.92133699351021)  # gcj02_to_bd09(116.404, 39.915)
BD_OF_WGS_POINT = (116.41662724378733, 39.922699552216216)


def metres_apart(a, b):
    ax, ay = to_metres(*a)
    bx, by = to_metres(*b)
    return math.hypot(ax - bx, ay - by)


def test_wgs84_to_gcj02_matches_published_pair():
    assert wgs84_to_gcj02(*WGS_POINT) == pytest.approx(GCJ_OF_WGS_POINT, abs=1e-9)


def test_gcj02_to_bd09_matches_published_pair():
    assert gcj02_to_bd09(*WGS_POINT) == pytest.approx(BD_OF_GCJ_POINT, abs=1e-9)
    assert wgs84_to_bd09(*WGS_POINT) == pytest.approx(BD_OF_WGS_POINT, abs=1e-9)


def test_gcj02_round_trip_is_under_a_centimetre():
    worst = max(metres_apart(p, gcj02_to_wgs84(*wgs84_to_gcj02(*p))) for p in BEIJING_GRID)
    assert worst < 0.01


def test_bd09_round_trips_are_under_a_centimetre():
    worst_gcj = max(metres_apart(p, bd09_to_gcj02(*gcj02_to_bd09(*p))) for p in BEIJING_GRID)
    worst_wgs = max(metres_apart(p, bd09_to_wgs84(*wgs84_to_bd09(*p))) for p in BEIJING_GRID)
    assert worst_gcj < 0.01 and worst_wgs < 0.01


def test_inverse_is_better_than_the_one_step_approximation():
    gcj = wgs84_to_gcj02(*WGS_POINT)
    # The common one-step inverse subtracts the offset computed at the GCJ-02 point itself.
    shifted = wgs84_to_gcj02(*gcj)
    one_step = (gcj[0] - (shifted[0] - gcj[0]), gcj[1] - (shifted[1] - gcj[1]))
    assert metres_apart(WGS_POINT, one_step) > 0.05
    assert metres_apart(WGS_POINT, gcj02_to_wgs84(*gcj)) < 0.001


def test_gcj02_shift_in_beijing_is_a_few_hundred_metres():
    shifts = [metres_apart(p, wgs84_to_gcj02(*p)) for p in BEIJING_GRID]
    assert 100 < min(shifts) and max(shifts) < 700


@pytest.mark.parametrize(
    "point",
    [(2.3522, 48.8566), (-74.006, 40.7128), (139.6917, 35.6895), (151.2093, -33.8688), (0.0, 0.0)],
    ids=["paris", "new-york", "tokyo", "sydney", "null-island"],
)
def test_outside_china_gcj02_equals_wgs84(point):
    assert out_of_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_bd09_applies_outside_china_too():
    paris = (2.3522, 48.8566)
    assert bd09_to_wgs84(*wgs84_to_bd09(*paris)) == pytest.approx(paris, abs=1e-9)
    assert wgs84_to_bd09(*paris) != paris


def test_to_wgs84_dispatches_on_frame():
    gcj = wgs84_to_gcj02(*WGS_POINT)
    bd = wgs84_to_bd09(*WGS_POINT)
    assert to_wgs84(*WGS_POINT, Frame.WGS84) == WGS_POINT
    assert to_wgs84(*WGS_POINT, Frame.CGCS2000) == WGS_POINT  # treated as equal to WGS84
    assert to_wgs84(*gcj, Frame.GCJ02) == pytest.approx(WGS_POINT, abs=1e-9)
    assert to_wgs84(*bd, "bd09") == pytest.approx(WGS_POINT, abs=1e-9)
    with pytest.raises(ValueError):
        to_wgs84(*WGS_POINT, "mars")


def test_frame_values_are_the_wire_names():
    assert [f.value for f in Frame] == ["wgs84", "cgcs2000", "gcj02", "bd09", "cgcs2000_gk39"]
    assert Frame("gcj02") is Frame.GCJ02 and Frame.GCJ02 == "gcj02"


def test_projected_frame_is_gauss_kruger_117e_in_metres():
    assert PROJECTED_EPSG == 4548
    x, _ = to_metres(117.0, 40.0)
    assert x == pytest.approx(500_000, abs=0.001)  # central meridian, false easting
    # 0.001 degree of latitude is about 111 m.
    assert metres_apart((116.4, 39.9), (116.4, 39.901)) == pytest.approx(111.0, abs=0.5)


def test_metres_round_trip_and_arrays_match_scalars():
    lon = np.array([p[0] for p in BEIJING_GRID])
    lat = np.array([p[1] for p in BEIJING_GRID])
    x, y = to_metres_array(lon, lat)
    assert (x[3], y[3]) == pytest.approx(to_metres(lon[3], lat[3]), abs=1e-6)
    lon2, lat2 = from_metres_array(x, y)
    assert np.allclose(lon2, lon, atol=1e-10) and np.allclose(lat2, lat, atol=1e-10)
    assert from_metres(*to_metres(*WGS_POINT)) == pytest.approx(WGS_POINT, abs=1e-10)


def test_array_conversions_equal_the_scalar_ones():
    lon = np.array([p[0] for p in BEIJING_GRID] + [2.3522])  # Paris: outside China
    lat = np.array([p[1] for p in BEIJING_GRID] + [48.8566])
    for frame, forward in ((Frame.GCJ02, wgs84_to_gcj02), (Frame.BD09, wgs84_to_bd09)):
        shifted = np.array([forward(a, b) for a, b in zip(lon, lat)])
        back_lon, back_lat = to_wgs84_array(shifted[:, 0], shifted[:, 1], frame)
        scalar = np.array([to_wgs84(a, b, frame) for a, b in shifted])
        assert back_lon == pytest.approx(scalar[:, 0], abs=1e-12)
        assert back_lat == pytest.approx(scalar[:, 1], abs=1e-12)
    same_lon, same_lat = to_wgs84_array(lon, lat, Frame.CGCS2000)
    assert (same_lon == lon).all() and (same_lat == lat).all() and same_lon is not lon


def test_projected_frame_is_metres_in_and_out():
    x, y = to_metres(*WGS_POINT)
    assert frame_to_metres(x, y, Frame.PROJECTED) == (x, y)
    assert frame_to_metres(*WGS_POINT) == (x, y)
    assert to_wgs84(x, y, Frame.PROJECTED) == pytest.approx(WGS_POINT, abs=1e-9)
    gcj = wgs84_to_gcj02(*WGS_POINT)
    assert frame_to_metres(*gcj, Frame.GCJ02) == pytest.approx((x, y), abs=0.001)
    ax, ay = frame_to_metres_array(np.array([gcj[0]]), np.array([gcj[1]]), "gcj02")
    assert (ax[0], ay[0]) == pytest.approx((x, y), abs=0.001)


# ---- a city's metric frame ----

@pytest.mark.parametrize(("lon", "lat", "country", "epsg"), [
    (116.40, 39.90, None, 4548),   # Beijing: CM 117E
    (104.07, 30.66, None, 4544),   # Chengdu: CM 105E
    (87.62, 43.83, "CN", 4538),    # Urumqi: CM 87E
    (121.47, 31.23, "CN", 4549),   # Shanghai: CM 120E (121.5E is the zone edge)
    (75.99, 39.47, "CN", 4534),    # Kashgar: CM 75E (76.5E is the zone edge)
    (13.40, 52.52, "DE", 32633),   # Berlin: UTM 33N
    (-58.38, -34.60, "AR", 32721), # Buenos Aires: UTM 21S
    (126.98, 37.57, "KR", 32652),  # Seoul: inside the GCJ-02 rectangle, but not China
])
def test_metric_frame_follows_the_citys_meridian(lon, lat, country, epsg):
    from gis.frames import metric_frame_for

    frame = metric_frame_for(lon, lat, country)
    assert frame.epsg == epsg
    x, _ = frame.to_metres(lon, lat)
    assert abs(x - 500_000) < 200_000  # near the central meridian: small scale error


def test_a_named_metric_frame_wins_and_a_geographic_one_is_refused():
    from gis.frames import metric_frame, metric_frame_for

    assert metric_frame_for(104.07, 30.66, "CN", explicit="EPSG:32648").epsg == 32648
    with pytest.raises(ValueError, match="not a projected frame"):
        metric_frame(4326)
    with pytest.raises(ValueError, match="EPSG code"):
        metric_frame("UTM 33")


def test_areas_in_the_wrong_zone_are_wrong():
    # A 100 m square near Urumqi measured in Beijing's frame is off by over 1 %: why the frame
    # must follow the city.
    import shapely
    from gis.frames import DEFAULT_METRIC, metric_frame_for

    right = metric_frame_for(87.62, 43.83, "CN")
    x, y = right.to_metres(87.62, 43.83)
    square = shapely.box(x, y, x + 100, y + 100)
    lonlat = shapely.transform(square, right.coords_from_metres)
    assert shapely.transform(lonlat, right.coords_to_metres).area == pytest.approx(10_000, rel=1e-6)
    assert abs(shapely.transform(lonlat, DEFAULT_METRIC.coords_to_metres).area / 10_000 - 1) > 0.01

"""The handset's offline map data: parsing, projection, hit-testing, the nearby index and the
disk cache; last, the fetch from the real server (``live``) and its use with the network gone."""

from __future__ import annotations

import json
import math

import pytest

from bench.handset_map import synthetic_duty_map
from mobileapp.core.api import ApiClient, Transient
from mobileapp.core.mapcache import (
    BadMapData,
    MapCache,
    Projection,
    View,
    parse_duty_map,
    ring_line_meshes,
)


@pytest.fixture(scope="module")
def body():
    return synthetic_duty_map(cells=36, components=360)


@pytest.fixture(scope="module")
def dmap(body):
    return parse_duty_map(body)


def test_parse_keeps_every_feature_and_drops_the_closing_vertex(body, dmap):
    assert dmap.map_version == 7 and len(dmap.cells) == 36 and len(dmap.components) == 360
    assert all(len(r) == 4 for c in dmap.cells for r in c.rings)
    assert {c.duty for c in dmap.cells} == {True, False}
    assert dmap.cells[0].name.endswith("号网格")
    assert dmap.components[0].class_name == "上水井盖"


def test_projection_round_trip_and_scale():
    p = Projection(116.41, 39.92)
    x, y = p.to_xy(116.42, 39.93)
    # 0.01° of longitude at 39.92°N is about 853 m, 0.01° of latitude about 1112 m
    assert x == pytest.approx(853.2, rel=2e-3) and y == pytest.approx(1111.9, rel=2e-3)
    assert p.to_lonlat(x, y) == pytest.approx((116.42, 39.93))


def test_view_fit_pan_zoom_and_back_to_lonlat(dmap):
    v = View(dmap.projection)
    v.fit(dmap.bbox, 0, 0, 480, 800)
    x0, y0 = v.to_screen(dmap.bbox[0], dmap.bbox[1])
    x1, y1 = v.to_screen(dmap.bbox[2], dmap.bbox[3])
    assert 0 <= x0 < x1 <= 480 and 0 <= y0 < y1 <= 800
    assert x1 - x0 == pytest.approx(480 - 16, abs=1)  # fills the narrow side
    lon, lat = v.to_lonlat(200, 300)
    v.zoom(2.0, 200, 300)                       # the point under the fingers stays put
    assert v.to_screen(lon, lat) == pytest.approx((200, 300))
    v.pan(10, -5)
    assert v.to_screen(lon, lat) == pytest.approx((210, 295))
    v.zoom(1e9, 0, 0)
    assert v.scale == v.max_scale


def test_cell_at_finds_the_cell_and_nothing_outside(dmap):
    for cell in dmap.cells[:10]:
        lon, lat = cell.label_point()
        assert dmap.cell_at(lon, lat) is cell
    assert dmap.cell_at(dmap.bbox[0] - 0.01, dmap.bbox[1]) is None


def test_holes_are_outside():
    ring = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    body = {"bbox": [0, 0, 10, 10], "map_version": 1,
            "cells": {"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"code": "A"},
                 "geometry": {"type": "Polygon", "coordinates": [ring, hole]}}]},
            "components": {"type": "FeatureCollection", "features": []}}
    m = parse_duty_map(body)
    assert m.cell_at(2, 2).code == "A" and m.cell_at(5, 5) is None


def test_nearby_matches_brute_force(dmap):
    lon, lat = dmap.cells[7].label_point()
    got = dmap.nearby(lon, lat, radius_m=120, limit=1000)
    brute = sorted((dmap.projection.distance_m((c.lon, c.lat), (lon, lat)), c.code)
                   for c in dmap.components)
    brute = [(d, code) for d, code in brute if d <= 120]
    assert [c.code for c, _ in got] == [code for _, code in brute]
    assert len(got) > 5 and all(a[1] <= b[1] for a, b in zip(got, got[1:]))
    assert len(dmap.nearby(lon, lat, radius_m=120, limit=3)) == 3


def test_ring_meshes_close_every_ring_and_split_big_layers(dmap, monkeypatch):
    (verts, idx), = ring_line_meshes(dmap.cells, dmap.projection)
    assert len(verts) == 4 * 4 * 36 and len(idx) == 2 * 4 * 36
    assert idx[:8] == [0, 1, 1, 2, 2, 3, 3, 0]
    monkeypatch.setattr("mobileapp.core.mapcache.MESH_MAX_VERTICES", 10)
    meshes = ring_line_meshes(dmap.cells, dmap.projection)
    assert len(meshes) == 18 and all(max(i) < 10 for _, i in meshes)


@pytest.mark.parametrize("mutate, message", [
    (lambda b: b.__setitem__("bbox", [1, 2]), "bbox"),
    (lambda b: b.__setitem__("cells", []), "cells: not a FeatureCollection"),
    (lambda b: b["cells"]["features"][3].__setitem__("geometry", {"type": "Point",
                                                                  "coordinates": [1, 2]}),
     "cells[3]: geometry must be a Polygon"),
    (lambda b: b["cells"]["features"][0]["geometry"]["coordinates"][0].__setitem__(1, ["x", 1]),
     "cells[0]: not a number"),
    (lambda b: b["components"]["features"][5]["geometry"].__setitem__("coordinates", [1]),
     "components[5]: a position is"),
    (lambda b: b["components"]["features"][4]["geometry"].__setitem__("type", "Circle"),
     "components[4]: unknown geometry type 'Circle'"),
    (lambda b: b["components"]["features"][4].__setitem__("geometry", None),
     "components[4]: no geometry"),
    (lambda b: b["components"]["features"][2]["geometry"].__setitem__(
        "coordinates", [math.nan, 1.0]), "components[2]: not a number"),
])
def test_bad_bodies_are_refused_with_the_place(body, mutate, message):
    bad = json.loads(json.dumps(body))
    mutate(bad)
    with pytest.raises(BadMapData, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_duty_map(bad)


class ServerOnce:
    """The server side of ``ApiClient.duty_map``: 304 when the ETag matches."""

    def __init__(self, body, etag):
        self.body, self.etag, self.asked = body, etag, []

    def duty_map(self, etag=None):
        self.asked.append(etag)
        if etag == self.etag:
            return 304, None, etag
        return 200, self.body, self.etag


def test_cache_stores_then_answers_from_disk_and_sends_its_etag(tmp_path, body):
    cache = MapCache(tmp_path / "maps")
    assert cache.load() is None and cache.etag() is None
    server = ServerOnce(body, '"7"')
    changed, m = cache.refresh(server)
    assert changed and len(m.cells) == 36
    assert MapCache(tmp_path / "maps").load().map_version == 7  # a restarted app, no network
    changed, m = cache.refresh(server)
    assert not changed and m.map_version == 7
    assert server.asked == [None, '"7"']


def test_a_bad_download_keeps_the_old_map(tmp_path, body):
    cache = MapCache(tmp_path)
    cache.refresh(ServerOnce(body, '"7"'))
    with pytest.raises(BadMapData):
        cache.refresh(ServerOnce({"bbox": [1, 2, 3]}, '"8"'))
    assert cache.load().map_version == 7 and cache.etag() == '"7"'
    assert not list(tmp_path.glob("*.tmp"))


def test_an_unreadable_file_is_fetched_whole_again(tmp_path, body):
    cache = MapCache(tmp_path)
    cache.refresh(ServerOnce(body, '"7"'))
    cache.path.write_text("{truncated")
    assert cache.load() is None
    server = ServerOnce(body, '"7"')
    changed, m = cache.refresh(server)
    assert changed and m.map_version == 7 and server.asked == ['"7"', None]
    assert cache.load().map_version == 7


def test_lines_and_areas_are_anchored_on_a_vertex_and_a_null_bbox_comes_from_the_cells(body):
    b = json.loads(json.dumps(body))
    b["bbox"] = None
    line = [[116.41, 39.92], [116.411, 39.921], [116.412, 39.922]]
    b["components"]["features"][0]["geometry"] = {"type": "LineString", "coordinates": line}
    b["components"]["features"][1]["geometry"] = {"type": "MultiPolygon",
                                                  "coordinates": [[line + line[:1]]]}
    m = parse_duty_map(b)
    assert (m.components[0].lon, m.components[0].lat) == (116.411, 39.921)
    assert (m.components[1].lon, m.components[1].lat) == (116.412, 39.922)
    assert m.bbox == pytest.approx(parse_duty_map(body).bbox)
    empty = parse_duty_map({"map_version": 3, "bbox": None, "duty_grids": [],
                            "cells": {"type": "FeatureCollection", "features": []},
                            "components": {"type": "FeatureCollection", "features": []}})
    assert empty.cells == [] and empty.cell_at(1, 1) is None and empty.nearby(1, 1) == []


def test_the_real_duty_map_is_cached_and_answers_offline_like_the_server(
        live, sup_token, tmp_path):
    cache = MapCache(tmp_path / "maps")
    with ApiClient(live.base_url, sup_token) as api:
        changed, m = cache.refresh(api)
        assert changed and any(c.duty for c in m.cells) and len(m.components) > 10
        assert cache.refresh(api)[0] is False            # 304: nothing downloaded
        comp = m.components[len(m.components) // 2]
        server = api.nearby(comp.lat, comp.lon, radius_m=30)
    with ApiClient("http://127.0.0.1:9", sup_token, timeout=2) as dead:  # no network
        with pytest.raises(Transient):
            cache.refresh(dead)
    offline = MapCache(tmp_path / "maps").load()
    assert offline.map_version == server["map_version"]
    near = offline.nearby(comp.lon, comp.lat, radius_m=30)
    assert near[0][0].code == server["components"][0]["code"]
    assert [c.code for c, _ in near][:5] == [c["code"] for c in server["components"]][:5]
    duty = next(c for c in offline.cells if c.duty)
    assert offline.cell_at(*duty.label_point()) is duty

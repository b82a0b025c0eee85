"""The handset's base map without Kivy: the server's answer, tile arithmetic, the bounded disk
cache, and fetching tiles from a fake tile server (the city's tile service stands outside the
system) with the token only on the server's own origin."""

from __future__ import annotations

import math
import os

import pytest

from mobileapp.core.api import ApiClient, Refused, Transient
from mobileapp.core.basemap import (
    BadBasemap, TileCache, TileClient, parse_basemap, tile_bounds, tile_of, tile_url, tiles_in,
    zoom_for)
from tests.mobileapp.fake_tiles import FakeTileServer

BASE = "http://city.example:8000"


def test_the_answer_is_checked_and_made_absolute():
    info = parse_basemap({"type": "xyz", "url": "/api/map/basemap/tiles/{z}/{x}/{y}.png",
                          "attribution": "© 城市底图", "bounds": [116, 39, 117, 40],
                          "minzoom": 10, "maxzoom": 18}, BASE + "/")
    assert info.url == BASE + "/api/map/basemap/tiles/{z}/{x}/{y}.png"
    assert info.same_origin and info.drawn and info.bounds == (116, 39, 117, 40)
    other = parse_basemap({"type": "xyz", "url": "https://tiles.example/{z}/{x}/{y}.png"}, BASE)
    assert not other.same_origin and (other.minzoom, other.maxzoom) == (0, 19)
    assert other.key != info.key
    assert not parse_basemap({"type": "none"}, BASE).drawn
    for bad, says in [([], "not a JSON object"), ({"type": "vector"}, "type"),
                      ({"type": "xyz", "url": "/t/{z}/{x}.png"}, "{z}, {x} and {y}"),
                      ({"type": "wms", "url": "/wms?layers=a"}, "bbox"),
                      ({"type": "xyz", "url": "file:///{z}/{x}/{y}"}, "http"),
                      ({"type": "xyz", "url": "/{z}/{x}/{y}", "bounds": [1, 2]}, "bounds"),
                      ({"type": "xyz", "url": "/{z}/{x}/{y}", "minzoom": 19, "maxzoom": 3},
                       "minzoom")]:
        with pytest.raises(BadBasemap, match=says):
            parse_basemap(bad, BASE)


def test_tile_arithmetic():
    # Tile 13/6744/3104 is known to hold Tiananmen (116.397 E, 39.909 N).
    x, y = tile_of(116.397, 39.909, 13)
    assert (int(x), int(y)) == (6744, 3104)
    w, s, e, n = tile_bounds(13, 6744, 3104)
    assert w < 116.397 < e and s < 39.909 < n
    # One tile pixel per screen pixel: about 1.19 m per px at zoom 17 on 40 N.
    info = parse_basemap({"type": "xyz", "url": "/{z}/{x}/{y}", "minzoom": 12,
                          "maxzoom": 18}, BASE)
    metres_per_px_17 = 2 * math.pi * 6378137 * math.cos(math.radians(40)) / 256 / 2 ** 17
    assert zoom_for(1 / metres_per_px_17, 40, info) == 17
    assert zoom_for(100, 40, info) == 18          # past maxzoom: stretched
    assert zoom_for(0.001, 40, info) is None      # a whole province: none
    keys = tiles_in((116.390, 39.900, 116.410, 39.915), 16, info)
    assert keys and all(k[0] == 16 for k in keys) and len(keys) == len(set(keys))
    assert tiles_in((116.0, 39.0, 117.0, 40.0), 16, info) == []   # over the limit
    boxed = parse_basemap({"type": "xyz", "url": "/{z}/{x}/{y}", "bounds": [0, 0, 1, 1]}, BASE)
    assert tiles_in((116.39, 39.90, 116.41, 39.91), 16, boxed) == []
    wms = parse_basemap({"type": "wms", "url": "/wms?BBOX={bbox-epsg-3857}&WIDTH=256"}, BASE)
    box = [float(v) for v in tile_url(wms, 1, 1, 0).split("BBOX=")[1].split("&")[0].split(",")]
    assert box == pytest.approx([0, 0, 20037508.34, 20037508.34], abs=1)


def test_the_disk_cache_is_bounded_least_recently_used_first(tmp_path):
    info = parse_basemap({"type": "xyz", "url": "/{z}/{x}/{y}"}, BASE)
    cache = TileCache(tmp_path, max_bytes=10_000)
    for x in range(4):
        cache.put(info, 16, x, 0, b"\x89PNG\r\n\x1a\n" + bytes(2000))
        os.utime(cache.path(info, 16, x, 0), (1000 + x, 1000 + x))
    assert cache.get(info, 16, 0, 0)            # used now: the newest
    cache.put(info, 16, 9, 0, b"\x89PNG\r\n\x1a\n" + bytes(3000))   # past 10 kB: trimmed
    assert cache.size() <= 8000
    assert cache.get(info, 16, 1, 0) is None and cache.get(info, 16, 0, 0)
    assert cache.get(info, 16, 9, 0)
    stored = cache.store_info({"type": "xyz", "url": "/{z}/{x}/{y}"}, BASE)
    assert TileCache(tmp_path).load_info() == (stored, BASE)
    assert TileCache(tmp_path / "empty").load_info() == (None, None)


def test_tiles_from_a_fake_tile_server(tmp_path):
    server = FakeTileServer(token="t0k")
    try:
        with ApiClient(server.url, "t0k") as api:
            info = TileCache(tmp_path).store_info(api.basemap(), server.url)
        assert info.same_origin
        client = TileClient("t0k")
        data = client.fetch(info, 16, 53960, 24832)
        assert data.startswith(b"\x89PNG") and len(data) < 20_000
        assert server.tile_requests()[-1] == (
            "/api/map/basemap/tiles/16/53960/24832.png", "Token t0k")
        # Elsewhere the token is not sent: the same server then refuses (401).
        foreign = parse_basemap({"type": "xyz", "url": server.url + "/api/map/basemap/tiles/"
                                 "{z}/{x}/{y}.png"}, "http://another.example")
        with pytest.raises(Refused) as refused:
            client.fetch(foreign, 16, 1, 1)
        assert refused.value.status == 401 and server.tile_requests()[-1][1] is None
        # No tile there, and a body that is no image (a captive portal's page).
        assert client.fetch(parse_basemap({"type": "xyz", "url": "/none/{z}/{x}/{y}"},
                                          server.url), 1, 1, 1) is None
        server.token = None
        with pytest.raises(Transient, match="not a PNG"):
            client.fetch(parse_basemap({"type": "xyz", "url": "/api/map/basemap/?{z}{x}{y}"},
                                       server.url), 1, 1, 1)
        server.stop()
        with pytest.raises(Transient):
            client.fetch(info, 16, 53960, 24833)
        client.close()
    finally:
        server.stop()

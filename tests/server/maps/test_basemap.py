"""The base map: which layer ``/api/map/basemap/`` names (a configured server, the system's own
package, or none) and the tiles of the package (``/api/map/basemap/tiles/{z}/{x}/{y}.png``):
behind sign-in (a handset token too), ETag and Cache-Control, 404 outside the package, 400 for a
path number that is not one or lies outside the tile scheme. The render itself is tried on the
toy grid at one zoom (Debian's python3-mapnik; skipped where it is missing)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from gridmaps.basemap import mbtiles
from server.maps import basemap

#: The toy grid's tile at zoom 16 (116.41 E, 39.93 N) and the package's bounds.
Z, X, Y = 16, 53959, 24827
BOUNDS = "116.405,39.925,116.415,39.935"


def png(colour=(240, 236, 228)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, "PNG")
    return out.getvalue()


def tiny_package(path: Path) -> Path:
    """A package with one tile (``Z/X/Y``) at ``path``."""
    db = mbtiles.create(path, {"name": "toy", "format": "png", "bounds": BOUNDS,
                               "minzoom": 16, "maxzoom": 16,
                               "attribution": "© OpenStreetMap contributors"})
    mbtiles.put(db, Z, X, Y, png())
    db.commit()
    db.close()
    return path


@pytest.fixture
def package(settings, tmp_path):
    settings.BASEMAP_PATH = tiny_package(tmp_path / "basemap.mbtiles")
    settings.MAP_TILE_URL = settings.MAP_WMS_URL = ""
    return settings.BASEMAP_PATH


def test_no_package_no_server_is_none(cast, settings, tmp_path):
    settings.BASEMAP_PATH = tmp_path / "missing.mbtiles"
    settings.MAP_TILE_URL = settings.MAP_WMS_URL = ""
    r = cast["supervisor"].get("/api/map/basemap/")
    assert r.status_code == 200
    body = r.json()
    assert body["type"] == "none" and body["url"] == ""
    assert set(body) >= {"type", "url", "attribution", "bounds", "minzoom", "maxzoom"}
    w, s, e, n = body["bounds"]  # the toy grid's extent all the same
    assert w < 116.4101 < e and s < 39.93 < n
    assert cast["supervisor"].get(f"/api/map/basemap/tiles/{Z}/{X}/{Y}.png").status_code == 404


def test_own_package_is_an_xyz_layer_served_by_the_system(cast, package):
    body = cast["supervisor"].get("/api/map/basemap/").json()
    assert body["type"] == "xyz"
    assert body["url"] == "http://testserver/api/map/basemap/tiles/{z}/{x}/{y}.png"
    assert body["bounds"] == [116.405, 39.925, 116.415, 39.935]
    assert (body["minzoom"], body["maxzoom"]) == (16, 16)
    assert body["attribution"] == "© OpenStreetMap contributors"


def test_the_systems_own_credit_in_the_readers_language(cast, settings, tmp_path):
    from server.maps.basemap import OWN_CREDIT

    settings.BASEMAP_PATH = tmp_path / "own.mbtiles"
    settings.MAP_TILE_URL = settings.MAP_WMS_URL = ""
    db = mbtiles.create(settings.BASEMAP_PATH, {"name": "own", "format": "png", "bounds": BOUNDS,
                                                "minzoom": 16, "maxzoom": 16,
                                                "attribution": OWN_CREDIT})
    mbtiles.put(db, Z, X, Y, png())
    db.commit()
    db.close()
    client = cast["supervisor"]  # in English (the cast's clients ask for it)
    assert client.get("/api/map/basemap/").json()["attribution"] == "City grid data"
    client.cookies["django_language"] = "zh-hans"  # the language switch's cookie
    assert client.get("/api/map/basemap/").json()["attribution"] == "城市网格数据"


def test_a_configured_server_comes_first(cast, package, settings):
    settings.MAP_TILE_URL = "https://gis.city.example/tiles/{z}/{x}/{y}.png"
    body = cast["supervisor"].get("/api/map/basemap/").json()
    assert (body["type"], body["url"]) == ("xyz", settings.MAP_TILE_URL)
    settings.MAP_TILE_URL, settings.MAP_WMS_URL = "", "https://gis.city.example/wms"
    settings.MAP_WMS_LAYERS = "roads,labels"
    body = cast["supervisor"].get("/api/map/basemap/").json()
    assert (body["type"], body["url"], body["layers"]) == ("wms", settings.MAP_WMS_URL,
                                                         "roads,labels")


def test_a_tile_with_caching_headers_and_a_304(cast, package):
    client = cast["dept_roads"]  # a handset-style token client, any signed-in role
    r = client.get(f"/api/map/basemap/tiles/{Z}/{X}/{Y}.png")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert r.content.startswith(b"\x89PNG")
    assert "max-age" in r["Cache-Control"] and "private" in r["Cache-Control"]
    again = client.get(f"/api/map/basemap/tiles/{Z}/{X}/{Y}.png", HTTP_IF_NONE_MATCH=r["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_tiles_are_behind_sign_in(cast, package):
    assert cast["anonymous"].get(f"/api/map/basemap/tiles/{Z}/{X}/{Y}.png").status_code in (401,
                                                                                          403)
    assert cast["anonymous"].get("/api/map/basemap/").status_code in (401, 403)


@pytest.mark.parametrize("path, field", [
    ("25/0/0", "z"), ("-1/0/0", "z"), ("abc/0/0", "z"), ("1e3/0/0", "z"), ("１６/0/0", "z"),
    (f"16/{1 << 16}/0", "x"), ("16/x/0", "x"), ("0/1/0", "x"), ("16/0/" + "9" * 70, "y"),
    ("16/0/+1", "y"), ("16/0/ 1", "y")])
def test_bad_path_numbers_are_refused_naming_them(cast, package, path, field):
    r = cast["supervisor"].get(f"/api/map/basemap/tiles/{path}.png")
    assert r.status_code == 400, (path, r.status_code)
    assert r.json()["error"]["field"] == field


@pytest.mark.parametrize("path", [f"{Z}/{X + 1}/{Y}", f"{Z - 1}/{X // 2}/{Y // 2}", "0/0/0"])
def test_outside_the_package_is_404(cast, package, path):
    r = cast["supervisor"].get(f"/api/map/basemap/tiles/{path}.png")
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_tile"


def test_a_rebuilt_package_is_served_at_once(cast, package):
    first = cast["supervisor"].get(f"/api/map/basemap/tiles/{Z}/{X}/{Y}.png")
    db = mbtiles.create(package.with_name("next.mbtiles"), {
        "bounds": BOUNDS, "minzoom": 16, "maxzoom": 16})
    mbtiles.put(db, Z, X, Y, png((10, 20, 30)))
    db.commit()
    db.close()
    package.with_name("next.mbtiles").replace(package)
    second = cast["supervisor"].get(f"/api/map/basemap/tiles/{Z}/{X}/{Y}.png")
    assert second.content != first.content and second["ETag"] != first["ETag"]


def _has_mapnik(python: str) -> bool:
    return subprocess.run([python, "-c", "import mapnik"], capture_output=True).returncode == 0


def test_build_renders_the_active_map(cast, settings, tmp_path):
    if not _has_mapnik(settings.BASEMAP_RENDER_PYTHON):
        pytest.skip("no python3-mapnik (scripts/install-system.sh base installs it)")
    source = tmp_path / "source"
    source.mkdir()
    (source / "roads.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"name":"王府井大街","highway":"primary"},"geometry":{"type":"LineString",'
        '"coordinates":[[116.409,39.928],[116.413,39.931]]}},{"type":"Feature","properties":'
        '{"highway":"bus_stop"},"geometry":{"type":"LineString","coordinates":'
        '[[116.41,39.93],[116.411,39.93]]}}]}', encoding="utf-8")
    (source / "ATTRIBUTION").write_text("© OpenStreetMap contributors\n", encoding="utf-8")
    out = tmp_path / "built.mbtiles"
    result = basemap.build(out, source=source, minzoom=16, maxzoom=16)
    assert result["tiles"] >= 1 and result["layers"]["roads"] == 1  # the bus stop is no road
    db = mbtiles.open_read_only(out)
    assert mbtiles.metadata(db)["attribution"] == "© OpenStreetMap contributors"
    assert mbtiles.get(db, Z, X, Y).startswith(b"\x89PNG")


def test_a_source_that_is_not_geojson_is_named(cast, tmp_path):
    (tmp_path / "roads.geojson").write_text("not json", encoding="utf-8")
    with pytest.raises(basemap.BasemapError, match="roads.geojson"):
        basemap.read_source(tmp_path / "roads.geojson", "roads", "wgs84")

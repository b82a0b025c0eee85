"""Nearby components and the duty map, from the active version's placement index."""

from __future__ import annotations

from server.maps.models import DutyGrid, MapVersion
from tests.server.conftest import cell_centre


def test_nearby_lists_components_nearest_first(cast):
    lon, lat = cell_centre(1)
    r = cast["supervisor"].get(f"/api/map/nearby/?lat={lat}&lon={lon}&radius_m=30")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["cell"] == {"code": "110101001001001", "name": "东华门第1社区"}
    [c] = body["components"]
    assert c["code"] == "1101010103000001" and c["class_code"] == "0103"
    assert c["class_name"] and c["distance_m"] < 1
    assert abs(c["lon"] - lon) < 1e-6 and abs(c["lat"] - lat) < 1e-6
    assert body["map_version"] == MapVersion.objects.get(active=True).pk
    # the south-east cell is ~140 m away from the cover
    lon, lat = cell_centre(4)
    body = cast["supervisor"].get(f"/api/map/nearby/?lat={lat}&lon={lon}").json()
    assert body["components"] == [] and body["cell"]["code"] == "110101001001004"
    body = cast["supervisor"].get(f"/api/map/nearby/?lat={lat}&lon={lon}&radius_m=200").json()
    assert [c["code"] for c in body["components"]] == ["1101010103000001"]
    # outside the managed area: no cell, but what is near is still listed
    for lat, lon in ((30, 120), (0, 0), (-85, 180)):
        body = cast["supervisor"].get(f"/api/map/nearby/?lat={lat}&lon={lon}").json()
        assert body["cell"] is None and body["components"] == [], (lat, lon)


def test_nearby_refuses_bad_input(cast):
    for query, field in (("lat=95&lon=116.41", "lat"), ("lon=116.41", "lat"),
                         ("lat=39.93&lon=116.41&radius_m=5000", "radius_m"),
                         ("lat=39.93&lon=116.41&frame=utm", "frame"),
                         ("lat=-90&lon=-180&frame=bd09", "lat"), ("lat=90&lon=0", "lat")):
        r = cast["supervisor"].get(f"/api/map/nearby/?{query}")
        assert r.status_code == 400 and r.json()["error"]["field"] == field, query


def test_duty_map_holds_the_grid_and_its_neighbours_with_an_etag(duty_cast):
    sup = duty_cast["supervisor"]
    r = sup.get("/api/map/duty/")
    assert r.status_code == 200, r.content
    body = r.json()
    version = MapVersion.objects.get(active=True).pk
    assert body["map_version"] == version and r["ETag"].startswith(f'"{version}-')
    assert body["duty_grids"] == ["DG1"]
    cells = {f["properties"]["code"]: f["properties"]["duty"] for f in body["cells"]["features"]}
    # the north-west cell and its three neighbours (edge or corner)
    assert cells == {"110101001001001": True, "110101001001002": False,
                     "110101001001003": False, "110101001001004": False}
    assert body["cells"]["features"][0]["geometry"]["type"] == "MultiPolygon"
    [comp] = body["components"]["features"]
    assert comp["properties"]["code"] == "1101010103000001"
    assert comp["geometry"]["type"] == "Point"
    minlon, minlat, maxlon, maxlat = body["bbox"]
    assert minlon < comp["geometry"]["coordinates"][0] < maxlon
    again = sup.get("/api/map/duty/", HTTP_IF_NONE_MATCH=r["ETag"])
    assert again.status_code == 304 and again["ETag"] == r["ETag"]
    zipped = sup.get("/api/map/duty/", HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip" and zipped["ETag"] == "W/" + r["ETag"]
    assert sup.get("/api/map/duty/", HTTP_IF_NONE_MATCH=zipped["ETag"]).status_code == 304
    assert sup.get("/api/map/duty/", HTTP_IF_NONE_MATCH=f'"{version - 1}"').status_code == 200
    assert duty_cast["leader"].get("/api/map/duty/").status_code == 403


def test_the_duty_map_etag_changes_when_the_assignment_does(duty_cast):
    """Geometry is fixed within a version; who patrols which grid, and a grid's cells, are not."""
    sup = duty_cast["supervisor"]
    first = sup.get("/api/map/duty/")["ETag"]
    grid = DutyGrid.objects.get(code="DG1", version__active=True)
    grid.cell_codes = [*grid.cell_codes, "110101001001004"]
    grid.save()
    second = sup.get("/api/map/duty/", HTTP_IF_NONE_MATCH=first)
    assert second.status_code == 200 and second["ETag"] != first
    assert len([f for f in second.json()["cells"]["features"] if f["properties"]["duty"]]) == 2
    grid.supervisors.clear()
    third = sup.get("/api/map/duty/", HTTP_IF_NONE_MATCH=second["ETag"])
    assert third.status_code == 200 and third.json()["duty_grids"] == []
    assert sup.get("/api/map/duty/", HTTP_IF_NONE_MATCH=third["ETag"]).status_code == 304


def test_duty_map_of_a_supervisor_without_a_grid_is_empty(cast):
    body = cast["supervisor"].get("/api/map/duty/").json()
    assert body["duty_grids"] == [] and body["bbox"] is None
    assert body["cells"]["features"] == [] and body["components"]["features"] == []

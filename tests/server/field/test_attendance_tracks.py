"""Attendance (考勤) and patrol tracks (巡查轨迹): stored once per key, refused clearly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from server.field.models import Attendance, TrackBatch, TrackPoint
from tests.server.conftest import cell_centre
from tests.server.field.conftest import key


def clock(kind="in", *, n=1, when=None, **over):
    lon, lat = cell_centre(n)
    body = {"kind": kind, "lat": lat, "lon": lon, "accuracy_m": 8,
            "device_at": (when or timezone.now()).isoformat(), "idempotency_key": key()}
    body.update(over)
    return body


def test_clock_in_and_out_are_stored_and_listed(cast):
    sup = cast["supervisor"]
    r = sup.post("/api/attendance/", clock("in"), format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["kind"] == "in" and body["on_duty"] is True
    assert body["cell_code"] == "110101001001001"
    r = sup.post("/api/attendance/", clock("out", n=4), format="json")
    assert r.status_code == 201 and r.json()["on_duty"] is False
    day = sup.get("/api/attendance/").json()
    assert [x["kind"] for x in day["records"]] == ["in", "out"] and day["on_duty"] is False
    # a centre reads any supervisor's day; the supervisor cannot read someone else's
    assert cast["dutychief"].get("/api/attendance/?user=supervisor").json()["records"] == \
        day["records"]
    assert sup.get("/api/attendance/?user=dutychief").status_code == 403
    assert cast["dutychief"].get("/api/attendance/").status_code == 400
    assert cast["dutychief"].get("/api/attendance/?user=leader").status_code == 404
    assert cast["dutychief"].get("/api/attendance/?user=a%00b").json()["error"]["field"] == "user"
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert sup.get(f"/api/attendance/?date={yesterday}").json()["records"] == []
    assert sup.get("/api/attendance/?date=2026-13-01").json()["error"]["field"] == "date"


def test_attendance_is_idempotent(cast):
    sup = cast["supervisor"]
    body = clock("in")
    first = sup.post("/api/attendance/", body, format="json")
    again = sup.post("/api/attendance/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    other = sup.post("/api/attendance/", dict(body, kind="out"), format="json")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    assert Attendance.objects.count() == 1


@pytest.mark.parametrize("over, field", [
    ({"kind": "lunch"}, "kind"),
    ({"lat": 91}, "lat"),
    ({"lon": "east"}, "lon"),
    ({"lat": "NaN"}, "lat"),
    ({"frame": "mars"}, "frame"),
    ({"accuracy_m": -1}, "accuracy_m"),
    ({"device_at": "yesterday"}, "device_at"),
    ({"idempotency_key": "short"}, "idempotency_key"),
])
def test_bad_attendance_is_refused_naming_the_field(cast, over, field):
    r = cast["supervisor"].post("/api/attendance/", clock(**over), format="json")
    assert r.status_code == 400 and r.json()["error"]["field"] == field, r.content
    assert Attendance.objects.count() == 0


def test_attendance_times_and_roles(cast):
    sup = cast["supervisor"]
    future = clock(when=timezone.now() + timedelta(hours=1))
    old = clock(when=timezone.now() - timedelta(days=8))
    for body in (future, old):
        r = sup.post("/api/attendance/", body, format="json")
        assert r.status_code == 400 and r.json()["error"]["field"] == "device_at"
    r = cast["dutychief"].post("/api/attendance/", clock(), format="json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_not_allowed"
    # outside the map: recorded, without a cell (the centre judges where people clock in)
    r = sup.post("/api/attendance/", clock(lat=30.0, lon=120.0), format="json")
    assert r.status_code == 201 and r.json()["cell_code"] == ""
    # a GCJ-02 point (a Chinese map SDK's) is stored in WGS84
    lon, lat = cell_centre(1)
    from gis.frames import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02(lon, lat)
    r = sup.post("/api/attendance/", clock(lat=glat, lon=glon, frame="gcj02"), format="json")
    assert r.json()["cell_code"] == "110101001001001"
    assert abs(r.json()["lon"] - lon) < 1e-6 and abs(r.json()["lat"] - lat) < 1e-6


def points(n, start=None, step=timedelta(seconds=20)):
    start = start or timezone.now() - timedelta(hours=1)
    lon, lat = cell_centre(1)
    return [{"lat": lat + i * 1e-5, "lon": lon, "accuracy_m": 5,
             "at": (start + i * step).isoformat()} for i in range(n)]


def test_track_upload_is_idempotent_and_read_as_lines(cast):
    sup = cast["supervisor"]
    start = timezone.now() - timedelta(hours=2)
    body = {"idempotency_key": key(), "points": points(30, start)}
    r = sup.post("/api/tracks/", body, format="json")
    assert r.status_code == 201 and r.json() == {"accepted": 30}
    assert sup.post("/api/tracks/", body, format="json").status_code == 200
    changed = dict(body, points=points(30, start + timedelta(seconds=1)))
    assert sup.post("/api/tracks/", changed, format="json").status_code == 409
    # after a pause of an hour, a second line
    later = {"idempotency_key": key(), "points": points(3, start + timedelta(minutes=70))}
    assert sup.post("/api/tracks/", later, format="json").status_code == 201
    assert TrackBatch.objects.count() == 2 and TrackPoint.objects.count() == 33
    lines = cast["leader"].get("/api/tracks/?user=supervisor").json()
    if timezone.localdate(start) != timezone.localdate():  # run just after midnight
        return
    assert [f["properties"]["points"] for f in lines["features"]] == [30, 3]
    assert lines["features"][0]["geometry"]["type"] == "LineString"
    assert sup.get("/api/tracks/").json() == lines
    assert cast["dept_roads"].get("/api/tracks/?user=supervisor").status_code == 403


@pytest.mark.parametrize("make, field", [
    (lambda: [], "points"),
    (lambda: points(501), "points"),
    (lambda: points(2) + points(2, timezone.now() + timedelta(hours=1)), "points"),
    (lambda: points(2, timezone.now() - timedelta(days=8)), "points"),
    (lambda: points(2) + [dict(points(1)[0], lat=95)], "points"),
    (lambda: [dict(points(1)[0], at="noon")], "points"),
    (lambda: "not a list", "points"),
])
def test_bad_tracks_are_refused_whole(cast, make, field):
    r = cast["supervisor"].post("/api/tracks/", {"idempotency_key": key(), "points": make()},
                                format="json")
    assert r.status_code == 400, r.content
    assert r.json()["error"]["field"].startswith(field), r.content
    assert TrackPoint.objects.count() == 0 and TrackBatch.objects.count() == 0


def test_only_supervisors_upload_tracks(cast):
    r = cast["acceptor"].post("/api/tracks/", {"idempotency_key": key(), "points": points(2)},
                              format="json")
    assert r.status_code == 403
    r = cast["supervisor"].post("/api/tracks/", [1, 2], format="json")
    assert r.status_code == 400

"""Requests an attacker sends: each got a 5xx (or killed the process) before its parameter was
checked, or told more than the caller may know. Each must now be a clear 400 naming what was
wrong (or the same answer as for a case that does not exist), and valid requests keep working.
The extreme value of every parameter of every endpoint is ``test_extreme_values``.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from rest_framework.test import APIClient

from server.cases.models import Case
from tests.server.conftest import cell_centre, report_form
from tests.server.test_loop import LOOP, act


def _refused(r, field: str | None = None, code: str = "invalid") -> None:
    assert r.status_code == 400, (r.status_code, r.content[:300])
    err = r.json()["error"]
    assert err["code"] == code, err
    if field:
        assert err.get("field") == field and field in err["message"], err


def test_paging_past_what_sql_can_count(cast, report):
    report()
    for name, value in (("offset", str(2**63)), ("offset", "-1"), ("limit", str(2**64)),
                        ("offset", "1e3"), ("limit", "nan")):
        _refused(cast["leader"].get("/api/cases/", {name: value}), name)
    page = cast["leader"].get("/api/cases/", {"offset": "0", "limit": "9999"}).json()
    assert page["count"] == 1 and len(page["results"]) == 1  # a big limit is cut, as before
    assert cast["leader"].get("/api/cases/", {"offset": "5"}).json()["results"] == []


def test_a_point_the_metre_frame_cannot_project(cast):
    """BD-09 near the equator in the Pacific converted fine but projected to infinity (500)."""
    r = cast["supervisor"].get("/api/map/nearby/", {"frame": "bd09", "lon": "-149.88",
                                                    "lat": "0.0000001"})
    assert r.status_code == 200 and r.json()["cell"] is None and r.json()["components"] == []
    lon, lat = cell_centre(1)
    near = cast["supervisor"].get("/api/map/nearby/", {"lon": lon, "lat": lat}).json()
    assert near["cell"] is not None and len(near["components"]) == 1
    r = cast["supervisor"].post("/api/reports/", report_form(lon="-149.88", lat="0.0"),
                                format="multipart")
    _refused(r, "lat", code="outside_area")


@pytest.mark.parametrize("query", [
    {"period": "day", "date": "9999-12-31"}, {"date": "0001-01"}, {"period": "week",
                                                                     "date": "0001-01-01"},
    {"period": "custom", "start": "9999-12-30", "end": "9999-12-31"}])
def test_evaluation_periods_at_the_ends_of_the_calendar(cast, query):
    r = cast["leader"].get("/api/evaluation/rankings/", query)
    assert r.status_code == 400 and "from 1900-01-01 to 2999-12-31" in r.json()["error"]["message"]
    page = APIClient()
    page.force_login(cast["leader"].user)
    assert page.get("/evaluation/", query).status_code == 400
    assert cast["leader"].get("/api/evaluation/rankings/",
                              {"period": "day", "date": "2026-11-30"}).status_code == 200


def test_patrol_days_at_the_ends_of_the_calendar(cast):
    for path in ("/api/tracks/", "/api/attendance/"):
        for day in ("9999-12-31", "0001-01-01"):
            _refused(cast["supervisor"].get(path, {"date": day}), "date")
        assert cast["supervisor"].get(path, {"date": "2026-11-30"}).status_code == 200


def test_open311_windows_at_the_ends_of_the_calendar(cast):
    anon = cast["anonymous"]
    for path, query in (
            ("/open311/v2/requests.json", {"start_date": "9999-12-31T23:59:59+14:00"}),
            ("/open311/v2/requests.json", {"end_date": "0001-01-01T00:00:00+14:00"}),
            ("/open311/v2/servicerequestupdates.json",
             {"end_date": "0001-01-01T00:00:00+14:00"}),
            ("/open311/v2/servicerequestupdates.json",
             {"start_date": "9999-12-31T23:59:59-12:00"})):
        r = anon.get(path, query)
        assert r.status_code == 400, (path, query, r.status_code)
        name = next(iter(query))
        assert name in r.json()[0]["description"], r.json()
    assert anon.get("/open311/v2/requests.json",
                    {"start_date": "2026-11-01T00:00:00+08:00"}).status_code == 200


@pytest.mark.parametrize("path,who", [("/api/auth/token/", "anonymous"),
                                      ("/api/video/alerts/", "anonymous"),
                                      ("/api/reports/", "supervisor")])
def test_deeply_nested_json_is_refused_by_the_parser(cast, path, who):
    """200 KB of ``[[[[`` raised RecursionError (500) before any view code ran."""
    for body in (b"[" * 200_000, b'{"a":' * 50_000, b"[" * 40 + b"]" * 40):
        r = cast[who].generic("POST", path, body, content_type="application/json")
        assert r.status_code == 400, (path, len(body), r.status_code)
        assert r.json()["error"]["code"] == "parse_error", r.json()
        assert "nested" in r.json()["error"]["message"]
    shallow = cast[who].generic("POST", path, b"[" * 5 + b"]" * 5,
                                content_type="application/json")
    assert shallow.status_code < 500 and "nested" not in shallow.content.decode()
    assert cast["anonymous"].generic("POST", "/api/reports/", b"[" * 200_000,
                                     content_type="application/json").status_code in (400, 401)


def _png_claiming(width: int, height: int) -> bytes:
    """A small, valid PNG of ``width`` x ``height`` black pixels: zlib squeezes it to almost
    nothing (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = zlib.compress((b"\0" * (1 + width * 3)) * height, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                              0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def _handling(cast) -> str:
    number = cast["supervisor"].post("/api/reports/", report_form(),
                                     format="multipart").json()["number"]
    for who, action, data, _ in LOOP[:4]:
        assert act(cast[who], number, action, **dict(data)).status_code == 200, action
    return number


def test_a_compressed_png_bomb_is_refused_before_decoding(cast):
    bomb = _png_claiming(7300, 5480)  # 40 Mpx in about 116 KB
    assert len(bomb) < 200_000
    f = io.BytesIO(bomb)
    f.name = "p.png"
    r = cast["supervisor"].post("/api/reports/", report_form(photo=f), format="multipart")
    _refused(r, "photo", code="invalid_photo")
    assert "too large" in r.json()["error"]["message"]
    f = io.BytesIO(_png_claiming(2000, 1500))  # 3 Mpx of one colour in ~9 KB: a bomb too
    f.name = "p.png"
    r = cast["supervisor"].post("/api/reports/", report_form(photo=f), format="multipart")
    _refused(r, "photo", code="invalid_photo")
    assert "bomb" in r.json()["error"]["message"]


def test_an_action_photo_is_not_decoded_for_someone_who_may_not_take_the_step(cast):
    number = _handling(cast)
    bomb = _png_claiming(7300, 5480)
    # The acceptor may read the case but not give feedback: the role refusal, not the photo's.
    r = act(cast["acceptor"], number, "feedback", photo=bomb, note="x")
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_not_allowed", r.json()
    r = act(cast["dept_roads"], number, "feedback", photo=bomb, note="x")
    _refused(r, "photo", code="invalid_photo")
    # A step with a good photo and a key, repeated, still gets its first answer.
    from tests.server.conftest import jpeg

    first = cast["dept_roads"].post(f"/api/cases/{number}/actions/feedback/",
                                    {"note": "ok", "photo": _named(jpeg()),
                                     "idempotency_key": "feedback-0001"}, format="multipart")
    again = cast["dept_roads"].post(f"/api/cases/{number}/actions/feedback/",
                                    {"note": "ok", "photo": _named(jpeg()),
                                     "idempotency_key": "feedback-0001"}, format="multipart")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()


def _named(data: bytes) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = "p.jpg"
    return f


def test_an_action_refusal_tells_no_state_to_who_may_not_read_the_case(cast):
    number = _handling(cast)
    missing = cast["mapkeeper"].post("/api/cases/C0000000000000/actions/accept/", {},
                                     format="json")
    for who in ("mapkeeper", "dept_water"):
        for action in ("accept", "close", "feedback", "urge", "acknowledge", "comment"):
            r = cast[who].post(f"/api/cases/{number}/actions/{action}/", {}, format="json")
            assert r.status_code == 404, (who, action, r.status_code)
            body = r.json()["error"]
            assert "state" not in body and "handling" not in r.content.decode(), body
            assert body["code"] == missing.json()["error"]["code"]
    # Who may read it is still told why a step is refused, with the state.
    r = act(cast["acceptor"], number, "accept")
    assert r.status_code == 409 and r.json()["error"]["state"] == "handling"


def test_case_detail_lists_only_duplicates_the_user_may_open(cast):
    first, second = _handling(cast), cast["supervisor"].post(
        "/api/reports/", report_form(), format="multipart").json()["number"]
    for who, action, data, _ in LOOP[:2]:
        assert act(cast[who], second, action, **dict(data)).status_code == 200
    assert act(cast["dispatcher"], second, "dispatch", department_code="water").status_code == 200
    assert Case.objects.get(number=second).department.code == "water"
    leader = {d["number"] for d in cast["leader"].get(f"/api/cases/{first}/").json()["duplicates"]}
    assert second in leader
    for path in (f"/api/cases/{first}/", f"/api/cases/{first}/duplicates/"):
        roads = cast["dept_roads"].get(path).json()["duplicates"]
        assert second not in {d["number"] for d in roads}, path


def test_a_nul_in_the_query_or_a_date_at_the_calendar_ends_in_a_body(cast):
    """PostgreSQL refuses NUL in text (500 wherever a view filtered on it); DRF's date-time
    field overflowed on 0001-01-01T00:00:00+14:00."""
    for path, query in (("/api/cases/", {"state": "a\x00b"}),
                        ("/api/evaluation/cases/", {"entity": "a\x00b"}),
                        ("/api/hotline/places/suggest/", {"q\x00": "x"})):
        r = cast["leader"].get(path, query)
        assert r.status_code == 400 and "NUL" in r.json()["error"]["message"], (path, r.content)
    lon, lat = cell_centre(1)
    r = cast["supervisor"].post("/api/attendance/", {
        "kind": "in", "lat": lat, "lon": lon, "device_at": "0001-01-01T00:00:00+14:00",
        "idempotency_key": "clock-in-0001"}, format="json")
    _refused(r, "device_at")

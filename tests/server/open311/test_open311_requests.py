"""GeoReport v2 GET requests (filters, the 90-day window, the 1000 limit), our states as
open/closed with the detail in status_notes, and the servicerequestupdates extension."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from server.cases.actions import ReportInput, do_report
from server.maps.index import place
from server.open311 import queries
from server.open311.models import RequestUpdate
from tests.server.conftest import cell_centre
from tests.server.hotline.helpers import PUBLIC_LOOP, act, close_public
from tests.server.open311.o311 import parse_xml, validate
from tests.server.open311.test_open311_post import errors_of, post

BASE = "/open311/v2"


def listing(cast, fmt="json", **params):
    r = cast["anonymous"].get(f"{BASE}/requests.{fmt}", params)
    assert r.status_code == 200, r.content
    body = r.json() if fmt == "json" else parse_xml(r.content)
    if fmt == "json":
        validate("requests.json", body)
    return body


def ids(rows):
    return [r["service_request_id"] for r in rows]


def old_case(cast, days: int, class_code="0102") -> str:
    """A handset report made ``days`` ago, through the action (its created_at is then)."""
    lon, lat = cell_centre(4)
    loaded, placement = place(lon, lat)
    case, _ = do_report(cast["supervisor"].user, ReportInput(
        kind="event", class_code=class_code, lon=lon, lat=lat, accuracy_m=0, description="旧案",
        photo=None, idempotency_key=str(uuid.uuid4()), request_hash="x"), loaded.version_id,
        placement, now=timezone.now() - timedelta(days=days))
    return case.number


def test_filters_by_id_code_status_and_dates(cast, report):
    a = post(cast).json()[0]["service_request_id"]                               # E0101, open
    b = post(cast, service_code="E0102").json()[0]["service_request_id"]         # E0102, open
    handset = report()                                                           # C0103
    closed = post(cast, service_code="E0103").json()[0]["service_request_id"]
    close_public(cast, closed)
    old = old_case(cast, days=120)
    every = listing(cast)
    assert set(ids(every)) == {a, b, handset, closed}  # the old one is outside 90 days
    # A list of ids overrides every other filter, the window included; unknown ids are absent.
    assert set(ids(listing(cast, service_request_id=f"{a}, {old},E0000209901010001",
                           status="closed"))) == {a, old}
    assert set(ids(listing(cast, service_code="E0101,C0103"))) == {a, handset}
    assert ids(listing(cast, status="closed")) == [closed]
    assert set(ids(listing(cast, status="open"))) == {a, b, handset}
    assert set(ids(listing(cast, status="open,closed"))) == {a, b, handset, closed}
    start = (timezone.now() - timedelta(days=130)).isoformat(timespec="seconds")
    end = (timezone.now() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(listing(cast, start_date=start, end_date=end)) == [old]
    xml = listing(cast, "xml", status="closed")
    assert ids(xml) == [closed] and xml[0]["status"] == "closed"


def test_closed_and_other_states_in_open311_words(cast):
    number = post(cast).json()[0]["service_request_id"]
    (r,) = listing(cast, service_request_id=number)
    assert r["status"] == "open" and r["status_notes"].startswith("已上报 Reported")
    act(cast["acceptor"], number, "accept")
    act(cast["acceptor"], number, "send_verify")
    (r,) = listing(cast, service_request_id=number)
    assert r["status_notes"].startswith("核实中 Verifying")
    for who, action, data in PUBLIC_LOOP[2:]:
        act(cast[who], number, action, **dict(data))
        if action == "dispatch":
            (r,) = listing(cast, service_request_id=number)
            assert r["status"] == "open" and r["agency_responsible"] == "市政管理委员会"
            assert r["expected_datetime"] is None or r["expected_datetime"].endswith("+08:00")
    (r,) = listing(cast, service_request_id=number)
    assert r["status"] == "closed" and r["status_notes"] == "已结案 Closed"
    assert r["updated_datetime"] >= r["requested_datetime"] and r["expected_datetime"] is None
    second = post(cast).json()[0]["service_request_id"]
    act(cast["acceptor"], second, "reject", reason="重复 duplicate")
    (r,) = listing(cast, service_request_id=second)
    assert r["status"] == "closed" and r["status_notes"].startswith("不予受理")


@pytest.mark.parametrize("params, words", [
    ({"start_date": "2026-01-01T00:00:00"}, "time zone"),
    ({"start_date": "yesterday"}, "w3c date-time"),
    ({"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"}, "90 days"),
    ({"start_date": "2025-06-01T00:00:00Z", "end_date": "2025-05-01T00:00:00Z"}, "before"),
    ({"status": "pending"}, "open or closed"),
    ({"service_code": "Q1"}, "not a service"),
])
def test_bad_filters_are_400(cast, params, words):
    r = cast["anonymous"].get(f"{BASE}/requests.xml", params)
    assert r.status_code == 400
    assert any(words in e["description"] for e in errors_of(r, "xml"))


def test_at_most_the_limit_newest_first(cast, monkeypatch):
    numbers = [post(cast).json()[0]["service_request_id"] for _ in range(3)]
    monkeypatch.setattr(queries, "MAX_RESULTS", 2)
    assert ids(listing(cast)) == numbers[::-1][:2]


def test_updates_get_lists_the_steps(cast):
    number = post(cast).json()[0]["service_request_id"]
    act(cast["acceptor"], number, "accept")
    act(cast["acceptor"], number, "send_verify")
    for fmt in ("json", "xml"):
        r = cast["anonymous"].get(f"{BASE}/servicerequestupdates.{fmt}")
        assert r.status_code == 200
        updates = r.json() if fmt == "json" else parse_xml(r.content)
        mine = [u for u in updates if u["service_request_id"] == number]
        assert [u["status"] for u in mine] == ["open", "open", "investigating"]
        assert set(mine[0]) == {"update_id", "service_request_id", "status", "updated_datetime",
                                "description", "media_url"}
        assert mine[-1]["description"] == "派发核实 Send verification: 核实中 Verifying"
    assert cast["anonymous"].get(f"{BASE}/servicerequestupdates.json",
                                 {"api_key": "bad"}).status_code == 403


def test_updates_post_is_recorded_once_and_moves_nothing(cast):
    number = post(cast).json()[0]["service_request_id"]
    data = {"api_key": "demo-open311-key", "service_request_id": number, "update_id": "fms-1",
            "status": "OPEN", "updated_datetime": "2026-07-01T10:00:00+08:00",
            "description": "还在 still there", "email": "a@b.cn", "first_name": "李",
            "last_name": "雷", "title": "Mr", "phone": "13900000000", "account_id": "acct-7",
            "media_url": "https://example.org/2.jpg"}
    r = cast["anonymous"].post(f"{BASE}/servicerequestupdates.xml", data)
    assert r.status_code == 200, r.content
    (first,) = parse_xml(r.content)
    again = cast["anonymous"].post(f"{BASE}/servicerequestupdates.json", data).json()
    assert again[0]["update_id"] == first["update_id"] and again[0]["account_id"] == "acct-7"
    u = RequestUpdate.objects.get()
    assert u.client.name == "demo" and u.contact["phone"] == "13900000000"
    assert u.media_urls == ["https://example.org/2.jpg"] and u.case.state == "reported"


@pytest.mark.parametrize("over, status, words", [
    ({"api_key": None}, 403, "api_key is required"),
    ({"update_id": None}, 400, "update_id is required"),
    ({"status": "DONE"}, 400, "status must be one of"),
    ({"updated_datetime": "2026-07-01 10:00"}, 400, "time zone"),
    ({"service_request_id": "E0101209901010001"}, 404, "was not found"),
])
def test_updates_post_errors(cast, over, status, words):
    number = post(cast).json()[0]["service_request_id"]
    data = {"api_key": "demo-open311-key", "service_request_id": number, "update_id": "u1",
            "status": "OPEN", "updated_datetime": "2026-07-01T10:00:00Z", "description": "x"}
    data.update(over)
    data = {k: v for k, v in data.items() if v is not None}
    r = cast["anonymous"].post(f"{BASE}/servicerequestupdates.json", data)
    assert r.status_code == status
    assert any(words in e["description"] for e in errors_of(r))
    assert not RequestUpdate.objects.exists()

"""Hotline calls (热线): address search, the dry-run duplicate check, saving a call as a case of
channel hotline, who may see the caller, and the callback (回访) that reopens a case."""

from __future__ import annotations

import uuid

import pytest

from server.cases.models import Case
from server.hotline.models import HotlineCall
from tests.server.conftest import cell_centre
from tests.server.hotline.helpers import PUBLIC_LOOP, act, close_public


def call(**over):
    lon, lat = cell_centre(2)
    body = {"idempotency_key": str(uuid.uuid4()), "line": "12345", "caller_name": "王小明",
            "caller_phone": "13800138000", "address": "王府井大街2号", "kind": "event",
            "class_code": "0101", "description": "有人私搭乱建 王小明 13800138000 反映",
            "urgency": "urgent", "lat": lat, "lon": lon}
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def test_address_suggest_geocode_and_reverse(cast):
    c = cast["calltaker"]
    r = c.get("/api/hotline/places/suggest/", {"q": "王府井"})
    assert r.status_code == 200
    names = [m["name"] for m in r.json()["results"]]
    assert names[0] == "王府井大街" and "王府井大街1号" in names
    r = c.get("/api/hotline/places/geocode/", {"q": "北京市东城区王府井大街二号"})
    best = r.json()["results"][0]
    assert best["code"] == "P-DOOR-2" and best["score"] >= 0.6
    assert set(best) == {"code", "name", "kind", "lon", "lat", "score"}  # the wire names
    assert best["kind"] == "door_plate"
    lon, lat = cell_centre(2)
    r = c.get("/api/hotline/places/reverse/", {"lat": lat + 0.0001, "lon": lon})
    assert r.json()["result"]["name"] == "王府井大街2号"  # a door plate first
    assert c.get("/api/hotline/places/reverse/", {"lat": "x"}).status_code == 400
    assert cast["dept_roads"].get("/api/hotline/places/suggest/", {"q": "王"}).status_code == 403


def test_a_call_becomes_a_hotline_case_that_needs_verification(cast):
    r = cast["calltaker"].post("/api/hotline/calls/", call(), format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["channel"] == "hotline" and body["state"] == "reported"
    assert body["verify_by"] == ["supervisor"]  # the duty grid's supervisor verifies (核实)
    case = Case.objects.get(number=body["number"])
    assert case.reporter.username == "calltaker" and case.channel == "hotline"
    assert case.description.startswith("【紧急 urgent】")
    hc = HotlineCall.objects.get(case=case)
    assert (hc.line, hc.caller_name, hc.caller_phone, hc.urgency) == ("12345", "王小明",
                                                                     "13800138000", "urgent")
    # A retry of the same call answers the same case; the same key with another body is 409.
    key = hc.case.idempotency_key
    again = cast["calltaker"].post("/api/hotline/calls/", call(idempotency_key=key), format="json")
    assert again.status_code == 200 and again.json()["number"] == case.number
    assert again.json()["created"] is False and HotlineCall.objects.count() == 1
    other = cast["calltaker"].post("/api/hotline/calls/", call(idempotency_key=key,
                                   description="另一件事"), format="json")
    assert other.status_code == 409
    # Filing needs the verification first (the workflow's verified_if_public guard).
    cast["acceptor"].post(f"/api/cases/{case.number}/actions/accept/", {}, format="json")
    r = cast["dutychief"].post(f"/api/cases/{case.number}/actions/file/", {}, format="json")
    assert r.status_code in (400, 409) and "verif" in r.json()["error"]["message"]


def test_an_address_alone_is_placed_through_the_gazetteer(cast):
    r = cast["calltaker"].post("/api/hotline/calls/", call(lat=None, lon=None,
                               address="王府井大街1号"), format="json")
    assert r.status_code == 201, r.content
    case = Case.objects.get(number=r.json()["number"])
    assert case.cell_code.endswith("001")
    assert HotlineCall.objects.get(case=case).place_code == "P-DOOR-1"


@pytest.mark.parametrize("over, field", [
    ({"lat": None, "lon": None, "address": "火星路99号"}, "address"),
    ({"caller_phone": "call me"}, "caller_phone"),
    ({"class_code": "9999"}, "class_code"),
    ({"lat": 10.0, "lon": 10.0}, "lat"),
    ({"line": "110"}, "line"),
])
def test_bad_calls_are_refused_and_store_nothing(cast, over, field):
    r = cast["calltaker"].post("/api/hotline/calls/", call(**over), format="json")
    assert r.status_code == 400, r.content
    assert r.json()["error"]["field"] == field
    assert not Case.objects.exists() and not HotlineCall.objects.exists()


def test_only_call_takers_and_acceptors_register_calls(cast):
    assert cast["dept_roads"].post("/api/hotline/calls/", call(), format="json").status_code == 403
    assert cast["supervisor"].post("/api/hotline/calls/", call(), format="json").status_code == 403
    assert cast["acceptor"].post("/api/hotline/calls/", call(), format="json").status_code == 201


def test_possible_duplicates_from_any_channel_before_saving(cast, report):
    handset = report(kind="event", class_code="0101")  # the supervisor's, in cell 1
    lon, lat = cell_centre(1)
    r = cast["calltaker"].get("/api/hotline/duplicates/", {"kind": "event", "class_code": "0101",
                                                          "lat": lat, "lon": lon + 0.0001})
    dups = r.json()["duplicates"]
    assert [d["number"] for d in dups] == [handset] and dups[0]["channel"] == "handset"
    assert dups[0]["distance_m"] < 50
    other = cast["calltaker"].get("/api/hotline/duplicates/",
                                  {"kind": "event", "class_code": "0102", "lat": lat, "lon": lon})
    assert other.json()["duplicates"] == []
    bad = cast["calltaker"].get("/api/hotline/duplicates/", {"kind": "event", "class_code": "x",
                                                            "lat": lat, "lon": lon})
    assert bad.status_code == 400
    assert not Case.objects.exclude(number=handset).exists()  # a dry run stores nothing


@pytest.mark.parametrize("who, sees", [("calltaker", True), ("acceptor", True), ("dutychief", True),
                                        ("leader", True), ("dispatcher", False),
                                        ("dept_roads", False), ("supervisor", False)])
def test_caller_details_only_for_the_roles_that_need_them(cast, who, sees):
    number = cast["calltaker"].post("/api/hotline/calls/", call(), format="json").json()["number"]
    r = cast[who].get(f"/api/hotline/cases/{number}/contact/")
    if sees:
        assert r.status_code == 200
        assert r.json()["contact"]["phone"] == "13800138000"
    else:
        assert r.status_code == 403
    assert cast["anonymous"].get(f"/api/hotline/cases/{number}/contact/").status_code in (401, 403)


def test_callback_satisfied_keeps_closed_unhappy_reopens(cast):
    number = cast["calltaker"].post("/api/hotline/calls/", call(), format="json").json()["number"]
    close_public(cast, number)
    waiting = cast["calltaker"].get("/api/hotline/callbacks/").json()["results"]
    assert [w["number"] for w in waiting] == [number]
    assert waiting[0]["contact"]["name"] == "王小明"
    r = cast["calltaker"].post(f"/api/hotline/callbacks/{number}/", {"satisfaction": 2,
                               "note": "没修好"}, format="json")
    assert r.status_code == 200 and r.json()["reopened"] is True
    case = Case.objects.get(number=number)
    assert case.state == "dispatched" and case.reopen_count == 1
    assert cast["calltaker"].get("/api/hotline/callbacks/").json()["results"] == []
    # Fixed again and closed: waiting for a callback again; a happy caller keeps it closed.
    for who, action, data in PUBLIC_LOOP[5:]:  # dept_accept ... close
        act(cast[who], number, action, **dict(data))
    r = cast["calltaker"].post(f"/api/hotline/callbacks/{number}/", {"satisfaction": 5},
                               format="json")
    assert r.json()["state"] == "closed" and r.json()["satisfaction"] == 5
    assert cast["dept_roads"].post(f"/api/hotline/callbacks/{number}/", {"satisfaction": 5},
                                   format="json").status_code == 403
    assert cast["calltaker"].post(f"/api/hotline/callbacks/{number}/", {"satisfaction": 9},
                                  format="json").status_code == 400

"""The supervisor picker of 派发核实 / 派发核查: candidates by name and post, nearest to the case
first (the last patrol-track point of the shift, else the duty grid)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from gis.frames import from_metres, to_metres
from gridmaps.model import DutyGrid
from server.accounts.models import User
from server.accounts.tokens import issue
from server.maps.demo_loader import load_city
from tests.server.conftest import COMMUNITY, cell_centre, toy_city


def _client(username: str) -> APIClient:
    client = APIClient()
    token, _ = issue(User.objects.get(username=username))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    return client


def _track(client: APIClient, lon: float, lat: float, at) -> None:
    r = client.post("/api/tracks/", {"idempotency_key": str(uuid.uuid4()), "points": [
        {"lat": lat, "lon": lon, "accuracy_m": 5, "at": at.isoformat()}]}, format="json")
    assert r.status_code == 201, r.content


def _east_of(n: int, metres: float) -> tuple[float, float]:
    x, y = to_metres(*cell_centre(n))
    return from_metres(x + metres, y)


def test_candidates_nearest_first_by_track_then_grid(cast, report):
    # "supervisor" patrols the north-west cell, "sup_se" the south-east one, "sup_walk" has no
    # grid: only a patrol track (a fresh point 20 m from the case, an old one beside it).
    city = dataclasses.replace(toy_city(), duty_grids=(
        DutyGrid("DG1", "一号责任网格", (f"{COMMUNITY}001",), ("supervisor",)),
        DutyGrid("DG4", "四号责任网格", (f"{COMMUNITY}004",), ("sup_se",)),
        DutyGrid("DG9", "九号责任网格", (), ("sup_walk", "sup_far"))))
    load_city(city, label="toy with duty grids", with_users=False)
    now = timezone.now()
    walker = _client("sup_walk")
    _track(walker, *_east_of(4, 20), now - timedelta(minutes=5))
    far = _client("sup_far")
    _track(far, *cell_centre(4), now - timedelta(hours=9))  # a shift ago: says nothing
    lon, lat = cell_centre(4)
    number = report(lat=f"{lat:.7f}", lon=f"{lon:.7f}")

    body = cast["acceptor"].get(f"/api/console/supervisors/?case={number}").json()
    order = [(s["username"], s["basis"], s["distance_m"]) for s in body]
    assert [o[:2] for o in order] == [("sup_se", "grid"), ("sup_walk", "track"),
                                      ("supervisor", "grid"), ("sup_far", "")], order
    assert order[0][2] == 0 and 15 <= order[1][2] <= 25 and 60 <= order[2][2] <= 80
    assert order[3][2] is None
    se = body[0]
    # the demo name of a supervisor a duty grid names, and their post: role (the cast asks in
    # English) and grid
    assert se["name"] != "sup_se" and se["post"] == "Field supervisor · 四号责任网格"
    assert body[1]["seen_at"] is not None

    # searchable by name, username or grid; without a case, by username
    found = cast["acceptor"].get(f"/api/console/supervisors/?case={number}&q=四号").json()
    assert [s["username"] for s in found] == ["sup_se"]
    found = cast["acceptor"].get(f"/api/console/supervisors/?q={se['name']}").json()
    assert "sup_se" in [s["username"] for s in found]
    plain = cast["acceptor"].get("/api/console/supervisors/").json()
    assert [s["username"] for s in plain] == sorted(s["username"] for s in plain)
    assert {s["distance_m"] for s in plain} == {None}


def test_candidates_refuse_unknown_cases_and_other_roles(cast, report):
    number = report()
    r = cast["acceptor"].get("/api/console/supervisors/?case=NOPE")
    assert r.status_code == 404 and "NOPE" in r.json()["error"]["message"]
    assert cast["dept_roads"].get(f"/api/console/supervisors/?case={number}").status_code == 403

"""The supervisor picker of 派发核实 / 派发核查: candidates by name and post, nearest to the case
first (the last patrol-track point of the shift, else the duty grid); and the automatic choice
when the form names nobody: the nearest on duty by the same ranking, else the duty grid's
supervisor, else any active supervisor."""

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
from tests.server.conftest import COMMUNITY, cell_centre, report_form, toy_city
from tests.server.test_loop import act


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


def _clock(client: APIClient, kind: str, at) -> None:
    lon, lat = cell_centre(1)
    r = client.post("/api/attendance/", {"kind": kind, "lat": lat, "lon": lon, "accuracy_m": 8,
                                         "device_at": at.isoformat(),
                                         "idempotency_key": str(uuid.uuid4())}, format="json")
    assert r.status_code == 201, r.content


def _duty_grids():
    """"supervisor" patrols the north-west cell, "sup_se" the south-east one; "sup_walk" and
    "sup_far" a grid without cells (only their tracks say where they are)."""
    city = dataclasses.replace(toy_city(), duty_grids=(
        DutyGrid("DG1", "一号责任网格", (f"{COMMUNITY}001",), ("supervisor",)),
        DutyGrid("DG4", "四号责任网格", (f"{COMMUNITY}004",), ("sup_se",)),
        DutyGrid("DG9", "九号责任网格", (), ("sup_walk", "sup_far"))))
    load_city(city, label="toy with duty grids", with_users=False)


def test_candidates_nearest_first_by_track_then_grid(cast, report):
    # "sup_walk" has a fresh point 20 m from the case; "sup_far" an old one beside it.
    _duty_grids()
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


def test_a_task_left_to_the_server_goes_to_the_nearest_on_duty(cast):
    from server.cases.assign import pick_supervisor
    from server.cases.models import Case, CaseEvent

    _duty_grids()
    now = timezone.now()
    lon, lat = cell_centre(4)
    form = report_form(kind="event", class_code="0102", lat=f"{lat:.7f}", lon=f"{lon:.7f}")
    form.pop("photo")
    number = cast["calltaker"].post("/api/reports/", form, format="multipart").json()["number"]
    case = Case.objects.get(number=number)
    # nobody clocked in: the duty grid holding the case's cell
    assert pick_supervisor(case).username == "sup_se"
    # on duty: "supervisor" (its grid about 70 m away) beats "sup_se" (0 m, not at work), and
    # "sup_far" (clocked in, but no fresh place) counts for nothing
    for who, minutes in (("supervisor", 60), ("sup_far", 30)):
        _clock(_client(who), "in", now - timedelta(minutes=minutes))
    assert pick_supervisor(case).username == "supervisor"
    # the walker clocks in 20 m away, by the fresh end of the track: nearer still
    walker = _client("sup_walk")
    _clock(walker, "in", now - timedelta(hours=2))
    _track(walker, *_east_of(4, 20), now - timedelta(minutes=5))
    assert pick_supervisor(case).username == "sup_walk"
    # the same place as the walker: equal distances go by username
    _track(_client("sup_far"), *_east_of(4, 20), now - timedelta(minutes=4))
    assert pick_supervisor(case).username == "sup_far"
    # clocked out, or a clock-in of a shift long past: no longer on duty
    _clock(_client("sup_far"), "out", now - timedelta(minutes=1))
    assert pick_supervisor(case).username == "sup_walk"
    # through the step itself: 派发核实 with nobody named, and the picker says who is at work
    assert act(cast["acceptor"], number, "accept").status_code == 200
    _clock(_client("sup_se"), "in", now - timedelta(hours=13))  # a forgotten clock-out
    r = act(cast["acceptor"], number, "send_verify")
    assert r.status_code == 200 and r.json()["state"] == "verifying", r.content
    assert CaseEvent.objects.filter(case=case, action="send_verify").get().data[
        "assignee"] == "sup_walk"
    listed = {s["username"]: s["on_duty"] for s in cast["acceptor"].get(
        f"/api/console/supervisors/?case={number}").json()}
    assert listed == {"sup_walk": True, "supervisor": True, "sup_se": False, "sup_far": False}

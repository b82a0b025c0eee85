"""End to end: a real daphne server (migrated, demo city loaded) driven over HTTP and websockets.

Runs once on the SpatiaLite default with the in-memory channel layer, and once on PostGIS with
Redis when DATABASE_URL names a PostGIS server (as ``make test`` arranges).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bench.simulate import Simulator

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
LOOP_ACTIONS = ["report", "accept", "file", "dispatch", "dept_accept", "feedback",
                "request_check", "check", "close"]


def _messages(ws, count: int, timeout: float = 15.0) -> list[dict]:
    out = []
    while len(out) < count:
        out.append(json.loads(ws.recv(timeout=timeout)))
    return out


def _no_more(ws, wait: float = 1.0) -> bool:
    try:
        ws.recv(timeout=wait)
    except TimeoutError:
        return True
    return False


def test_one_report_travels_the_loop_and_every_step_is_pushed(live):
    sim = Simulator(live.base_url)
    sim.prepare()
    other_dept = next(d["code"] for d in sim.call("dispatcher", "GET", "/api/departments/").json()
                      if d["code"] != sim.department_code)
    sim.login(f"dept_{other_dept}")
    ws_url = live.base_url.replace("http://", "ws://") + "/ws/events/?token="
    headers = {"Origin": live.base_url}
    with connect(ws_url + sim.tokens["dispatcher"], additional_headers=headers) as center, \
            connect(ws_url + sim.tokens[sim.department_user], additional_headers=headers) as dept, \
            connect(ws_url + sim.tokens[f"dept_{other_dept}"], additional_headers=headers) as other:
        for ws in (center, dept, other):
            assert json.loads(ws.recv(timeout=10))["type"] == "hello"
        progress = {"created": False, "closed": False}
        sim.one_case(7, progress)
        assert progress == {"created": True, "closed": True}
        got = _messages(center, len(LOOP_ACTIONS))
        assert [m["event"]["action"] for m in got] == LOOP_ACTIONS
        assert got[0]["op"] == "created" and all(m["op"] == "changed" for m in got[1:])
        assert got[-1]["case"]["state"] == "closed"
        assert len({m["case"]["number"] for m in got}) == 1
        assert [m["event_id"] for m in got] == sorted(m["event_id"] for m in got)
        dept_got = _messages(dept, 6)
        assert [m["event"]["action"] for m in dept_got] == LOOP_ACTIONS[3:]
        assert _no_more(center) and _no_more(dept, 0.2) and _no_more(other, 0.2)
    detail = sim.call("leader" if "leader" in sim.tokens else "dispatcher", "GET",
                      f"/api/cases/{got[0]['case']['number']}/").json()
    assert [e["action"] for e in detail["events"]] == LOOP_ACTIONS


def test_websocket_refuses_anonymous_and_bad_tokens(live):
    url = live.base_url.replace("http://", "ws://") + "/ws/events/"
    for suffix in ("", "?token=not-a-token"):
        with pytest.raises(InvalidStatus):
            with connect(url + suffix, additional_headers={"Origin": live.base_url}) as ws:
                ws.recv(timeout=5)


def test_pages_and_schema_are_served(live):
    r = httpx.get(live.base_url + "/api/schema/", timeout=10)
    assert r.status_code == 200 and "/api/reports/" in r.text
    assert httpx.get(live.base_url + "/static/consoles/console.js", timeout=10).status_code == 200
    login = httpx.get(live.base_url + "/console/command/", timeout=10)
    assert login.status_code == 302 and "/accounts/login/" in login.headers["location"]


def test_make_simulate_closes_every_case(live):
    out = subprocess.run([PY, "-m", "bench.simulate", "--base-url", live.base_url, "-n", "12"],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    last = out.stdout.strip().splitlines()[-1]
    assert last == "simulate: created=12 closed=12 errors=0", out.stdout + out.stderr
    assert out.returncode == 0

"""End to end: a real daphne server (migrated, demo city loaded) driven over HTTP and websockets.

Runs once on the SpatiaLite default with the in-memory channel layer, and once on PostGIS with
Redis when DATABASE_URL names a PostGIS server (as ``make test`` arranges).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bench.simulate import Simulator

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
LOOP_ACTIONS = ["report", "accept", "file", "dispatch", "dept_accept", "feedback",
                "request_check", "check", "close"]


def _backends():
    yield "spatialite"
    if os.environ.get("DATABASE_URL", "").startswith("postgis://"):
        yield "postgis"


@pytest.fixture(scope="module", params=list(_backends()))
def live(request, tmp_path_factory):
    """Start a server on a fresh database; yields its base URL."""
    from tests.e2e.server_process import ServerProcess

    tmp = tmp_path_factory.mktemp(f"e2e-{request.param}")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DCM_EMBEDDED="1", DCM_VAR=str(tmp), CHANNEL_PREFIX=f"e2e{uuid.uuid4().hex[:8]}")
    dbname = None
    if request.param == "postgis":
        base = dj_database_url.parse(os.environ["DATABASE_URL"])
        dbname = f"dcm_e2e_{uuid.uuid4().hex[:8]}"
        _admin_sql(base, f'CREATE DATABASE "{dbname}" TEMPLATE template1')
        env["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + dbname
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    server = ServerProcess(env, log=tmp / "server.log")
    try:
        server.prepare()
        server.start()
        yield server
    finally:
        server.stop()
        if dbname:
            _admin_sql(dj_database_url.parse(os.environ["DATABASE_URL"]),
                       f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def _admin_sql(db: dict, sql: str) -> None:
    import psycopg

    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                         password=db["PASSWORD"], dbname=db["NAME"], autocommit=True) as conn:
        conn.execute(sql)


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

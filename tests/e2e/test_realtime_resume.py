"""Resume over a real server: a terminal that loses its link, or whose server restarts, gets
every event it missed, in order and once; with two workers on one Redis, an event caused
through one reaches a terminal connected to the other.

Cases are driven through the whole loop by ``bench.simulate.Simulator`` (so these tests follow
the workflow as it grows); the expected events come from the case detail API (the log).
"""

from __future__ import annotations

import json
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from bench.simulate import Simulator
from tests.e2e.netproxy import CuttableProxy

# Sockets here outlive a block (they are dropped and reopened on purpose).
pytestmark = pytest.mark.filterwarnings("ignore:connect\\(\\) must be used:DeprecationWarning")


@pytest.fixture(scope="module")
def sim(live):
    s = Simulator(live.base_url)
    s.prepare()
    return s


def open_ws(port: int, token: str, origin: str):
    ws = connect(f"ws://127.0.0.1:{port}/ws/events/?token={token}",
                 additional_headers={"Origin": origin}, open_timeout=10)
    hello = json.loads(ws.recv(timeout=10))
    assert hello["type"] == "hello"
    return ws, hello


def receive_until(ws, stop, timeout: float = 20.0) -> list[dict]:
    """Messages until ``stop(msg)`` is true for one (included), or fail after ``timeout``."""
    out: list[dict] = []
    end = time.monotonic() + timeout
    while True:
        msg = json.loads(ws.recv(timeout=max(0.1, end - time.monotonic())))
        out.append(msg)
        if stop(msg):
            return out


def event_ids(sim: Simulator, number: str) -> list[int]:
    detail = sim.call("dispatcher", "GET", f"/api/cases/{number}/").json()
    return [e["id"] for e in detail["events"]]


def run_case(sim: Simulator, i: int) -> str:
    """One case through the whole loop; returns its number (read back from the API)."""
    progress = {"created": False, "closed": False}
    sim.one_case(i, progress)
    assert progress["closed"]
    cases = sim.call("dispatcher", "GET", "/api/cases/?limit=1").json()["results"]
    return cases[0]["number"]


def closed(number: str):
    return lambda m: m.get("type") == "case" and m["case"]["number"] == number and \
        m["case"]["state"] == "closed"


def resume(ws, cursor: int, seen: list[int]) -> list[dict]:
    """Resume after ``cursor``; returns the replayed events above it. Those at or below it are
    the late-commit window's re-sends (server/realtime/replay.py): never one in ``seen``."""
    ws.send(json.dumps({"type": "resume", "after": cursor, "seen": seen}))
    got = receive_until(ws, lambda m: m["type"] in ("resumed", "reset"))
    assert got[-1]["type"] == "resumed", got[-1]
    late = [m["event_id"] for m in got[:-1] if m["event_id"] <= cursor]
    assert not set(late) & set(seen)
    return [m for m in got[:-1] if m["event_id"] > cursor]


def test_network_drop_then_resume_gets_every_missed_event_once(live, sim):
    proxy = CuttableProxy(live.port)
    try:
        # The page's origin is the address the client connects to (scheme, host and port).
        through = f"http://127.0.0.1:{proxy.port}"
        ws, hello = open_ws(proxy.port, sim.tokens["dispatcher"], through)
        first = run_case(sim, 101)
        got = receive_until(ws, closed(first))
        seen = [m["event_id"] for m in got]
        assert seen == event_ids(sim, first) and min(seen) > hello["last_event_id"]
        proxy.cut()  # the link dies; the server goes on
        with pytest.raises((ConnectionClosed, OSError)):
            ws.recv(timeout=5)
        missed = run_case(sim, 102)
        ws, _ = open_ws(proxy.port, sim.tokens["dispatcher"], through)
        replayed = resume(ws, max(seen), seen)
        assert [m["event_id"] for m in replayed] == event_ids(sim, missed)
        after = run_case(sim, 103)  # and live again, each event once
        live_msgs = receive_until(ws, closed(after))
        assert [m["event_id"] for m in live_msgs] == event_ids(sim, after)
        ws.close()
    finally:
        proxy.close()


def test_department_resume_replays_only_its_own_cases(live, sim):
    dept = sim.department_user
    ws, hello = open_ws(live.port, sim.tokens[dept], live.base_url)
    ws.close()
    number = run_case(sim, 104)
    ws, _ = open_ws(live.port, sim.tokens[dept], live.base_url)
    cursor = hello["last_event_id"]
    replayed = resume(ws, cursor, [])
    assert {m["case"]["number"] for m in replayed} == {number}
    # The case's log from the event that sent it to the department on: what it heard live
    # (the steps before the dispatch it could not see when they happened).
    detail = sim.call("dispatcher", "GET", f"/api/cases/{number}/").json()
    actions = [e["action"] for e in detail["events"]]
    assert actions.count("dispatch") == 1
    heard = [e["id"] for e in detail["events"][actions.index("dispatch"):]]
    assert [m["event_id"] for m in replayed] == heard
    ws.close()


def test_server_restart_then_resume(live, sim):
    ws, hello = open_ws(live.port, sim.tokens["dispatcher"], live.base_url)
    before = run_case(sim, 105)
    seen = [m["event_id"] for m in receive_until(ws, closed(before))]
    live.restart()
    with pytest.raises((ConnectionClosed, TimeoutError, OSError)):
        ws.recv(timeout=5)
    missed = run_case(sim, 106)
    ws, _ = open_ws(live.port, sim.tokens["dispatcher"], live.base_url)
    assert [m["event_id"] for m in resume(ws, max(seen), seen)] == event_ids(sim, missed)
    ws.close()


def test_two_workers_share_events_through_redis(live, sim, tmp_path):
    if live.backend != "postgis":
        pytest.skip("two workers need the Redis channel layer (make test's PostGIS run)")
    other = live.another_worker(tmp_path / "worker2.log")
    other.start()
    try:
        on_b, _ = open_ws(other.port, sim.tokens["dispatcher"], other.base_url)
        dept_b, _ = open_ws(other.port, sim.tokens[sim.department_user], other.base_url)
        number = run_case(sim, 107)  # every request goes to worker A (sim.base_url)
        got = receive_until(on_b, closed(number))
        assert [m["event_id"] for m in got] == event_ids(sim, number)
        dept_got = receive_until(dept_b, closed(number))
        assert dept_got[0]["event"]["action"] == "dispatch"
        # And the other way: an action through worker B reaches a terminal on worker A.
        on_a, _ = open_ws(live.port, sim.tokens["dispatcher"], live.base_url)
        sim_b = Simulator(other.base_url)
        sim_b.prepare()
        number_b = run_case(sim_b, 108)
        assert [m["event_id"] for m in receive_until(on_a, closed(number_b))] == \
            event_ids(sim, number_b)
        for ws in (on_b, dept_b, on_a):
            ws.close()
    finally:
        other.stop()

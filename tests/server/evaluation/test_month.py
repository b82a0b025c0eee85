"""A month worked out by hand: 17 cases over the November–December 2026 boundary, every step
driven through the real API at a set time (the clock is the one thing faked: it lies outside the
system), and every figure of November's published tables compared with values computed by hand
from the definitions in docs/evaluation.md.

Cast: supervisor S (duty grid: cells 1 and 2), acceptor, duty chief, dispatcher, call-taker,
departments roads and water. Every case is class 0118 (路灯破损, a component no map holds, so no
department is suggested): the handling limit is 2 working days (08:00–12:00, 14:00–18:00), so a
dispatch at 09:15 on a Monday is due at 09:15 on Wednesday. Node limits: accept, file, dispatch,
send check and close 1 working hour; verify and check 30 minutes.

    c1  S  cell1 roads  11-23 clean loop, all on time
    c2  S  cell1 roads  11-23 dispatched late (16:00 > 11:10), handled late (11-26 10:00 >
                        11-25 16:00), closed late (15:00 > 11:10)
    c3  S  cell2 water  11-24 postponed one working day (deadline 11-26 → 11-27 09:15), fed back
                        11-27 09:00: on time
    c4  S  cell2 water  11-24 reworked twice; the third cycle (due 11-27 15:10) fed back 12-01
    c5  S  cell1 roads → returned (approved) → water 11-25, on time
    c6  S  cell3 roads  11-25 suspended 11:10 (15 h 05 min left), resumed 11-30 09:00: deadline
                        12-02 08:05, fed back 12-01 10:00: not due in November
    c7  hotline cell2 roads 11-26 verified real on time, closed 11-27, a satisfied callback
    c8  hotline cell2 water 11-26 closed on time, reopened by an unhappy callback 11-27 09:00
                        (new deadline 12-01 09:00), fed back late 12-01 10:00, closed 12-01
    c9  S  cell1        11-27 rejected
    c10 S  cell1        11-27 voided before filing
    c11 hotline cell2   11-27 verified late (10:50 > 10:40), not found, voided
    c12 S  cell1        11-23 duplicate, merged into c2
    c13 S  cell2        11-24 self-handled, audit approved
    c14 S  cell1 roads  11-26 filed late (14:30 > 10:05), handled and closed on time
    c15 S  cell3 water  11-30 14:15 dispatched, due 12-02 14:15: not yet due at November's end
    c16 S  cell4 roads  11-24 due 11-26 14:15, still unhandled at November's end, closed 12-01
    c17 S  cell4 water  11-30 17:50 reported, filed 12-01 08:10, dispatched 08:20, never handled
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from server.maps.models import DutyGrid, MapVersion
from tests.server.conftest import (COMMUNITY, STREET, cell_centre, jpeg, module_transaction,
                                  toy_cast)

BJ = ZoneInfo("Asia/Shanghai")
CELLS = {n: f"{COMMUNITY}{n:03d}" for n in range(1, 5)}
NOV, DEC = "period=month&date=2026-11", "period=month&date=2026-12"


def at(text: str) -> datetime:
    day, hm = text.split(" ")
    month, d = day.split("-")
    h, m = hm.split(":")
    return datetime(2026, int(month), int(d), int(h), int(m), tzinfo=BJ)


class Month:
    """Drives the API at set times."""

    def __init__(self, cast, monkeypatch):
        self.cast, self.now = cast, None
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def report(self, when: str, cell: int) -> str:
        self.now = at(when)
        lon, lat = cell_centre(cell)
        photo = io.BytesIO(jpeg())
        photo.name = "p.jpg"
        r = self.cast["supervisor"].post("/api/reports/", {
            "idempotency_key": str(uuid.uuid4()), "kind": "component", "class_code": "0118",
            "lat": f"{lat:.7f}", "lon": f"{lon:.7f}", "accuracy_m": "5", "description": "路灯",
            "photo": photo}, format="multipart")
        assert r.status_code == 201, r.content
        return r.json()["number"]

    def call(self, when: str, cell: int) -> str:
        self.now = at(when)
        lon, lat = cell_centre(cell)
        r = self.cast["calltaker"].post("/api/hotline/calls/", {
            "idempotency_key": str(uuid.uuid4()), "line": "12345", "caller_phone": "13800138000",
            "kind": "component", "class_code": "0118", "description": "路灯不亮",
            "lat": lat, "lon": lon}, format="json")
        assert r.status_code == 201, r.content
        return r.json()["number"]

    def step(self, when: str, who: str, number: str, action: str, **data) -> dict:
        self.now = at(when)
        if data.pop("photo", False) or action in ("feedback", "check", "self_handle") or (
                action == "verify" and data.get("result") == "confirmed"):
            data["photo"] = io.BytesIO(jpeg((0, 200, 0)))
            data["photo"].name = "after.jpg"
            r = self.cast[who].post(f"/api/cases/{number}/actions/{action}/", data,
                                    format="multipart")
        else:
            r = self.cast[who].post(f"/api/cases/{number}/actions/{action}/", data,
                                    format="json")
        assert r.status_code == 200, (number, action, r.content)
        return r.json()

    def callback(self, when: str, number: str, satisfaction: int) -> dict:
        self.now = at(when)
        r = self.cast["calltaker"].post(f"/api/hotline/callbacks/{number}/",
                                        {"satisfaction": satisfaction}, format="json")
        assert r.status_code == 200, r.content
        return r.json()

    def loop(self, number, dept, times, *, check_result="fixed"):
        """accept, file, dispatch, take on, feed back, send check, check, close at ``times``."""
        steps = [("acceptor", "accept", {}), ("dutychief", "file", {}),
                 ("dispatcher", "dispatch", {"department_code": dept}),
                 (f"dept_{dept}", "dept_accept", {}), (f"dept_{dept}", "feedback", {"note": "修"}),
                 ("acceptor", "request_check", {}),
                 ("supervisor", "check", {"result": check_result}), ("dutychief", "close", {})]
        out = None
        for when, (who, action, data) in zip(times, steps):
            out = self.step(when, who, number, action, **data)
        return out

    def handled(self, number, dept, times):
        """take on ... close after a dispatch, a rework or a reopening."""
        for when, (who, action, data) in zip(times, [
                (f"dept_{dept}", "dept_accept", {}), (f"dept_{dept}", "feedback", {}),
                ("acceptor", "request_check", {}), ("supervisor", "check", {"result": "fixed"}),
                ("dutychief", "close", {})]):
            out = self.step(when, who, number, action, **data)
        return out


def deadline(body) -> str:
    return datetime.fromisoformat(body["handle_deadline"]).astimezone(BJ).strftime("%m-%d %H:%M")


@pytest.fixture(scope="module")
def played_month(django_db_setup, django_db_blocker):
    """The month played once for the module (each test's writes still roll back)."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as clock:
            played = play_month(toy_cast(), clock)
        yield played


@pytest.fixture
def month(played_month, db, monkeypatch):
    """The played month, its clock at 12-05 12:00 again for this test."""
    played_month.now = at("12-05 12:00")
    monkeypatch.setattr(timezone, "now", lambda: played_month.now)
    return played_month


def play_month(cast, monkeypatch) -> Month:
    """The 17 cases of the module docstring; ``monkeypatch`` sets the clock."""
    version = MapVersion.objects.get(active=True)
    grid = DutyGrid.objects.create(version=version, code="G1", name="东华门1号责任网格",
                                   cell_codes=[CELLS[1], CELLS[2]])
    grid.supervisors.add(cast["supervisor"].user)
    m = Month(cast, monkeypatch)
    c = {}
    c[1] = m.report("11-23 09:00", 1)
    m.loop(c[1], "roads", ["11-23 09:05", "11-23 09:10", "11-23 09:15", "11-23 09:20",
                           "11-23 15:00", "11-23 15:10", "11-23 15:20", "11-23 15:30"])
    c[2] = m.report("11-23 10:00", 1)
    m.step("11-23 10:05", "acceptor", c[2], "accept")
    m.step("11-23 10:10", "dutychief", c[2], "file")
    c[12] = m.report("11-23 10:30", 1)
    m.step("11-23 10:35", "acceptor", c[12], "merge", into=c[2])
    assert deadline(m.step("11-23 16:00", "dispatcher", c[2], "dispatch",
                           department_code="roads")) == "11-25 16:00"
    m.handled(c[2], "roads", ["11-23 16:10", "11-26 10:00", "11-26 10:05", "11-26 10:10",
                              "11-26 15:00"])
    c[3] = m.report("11-24 09:00", 2)
    body = m.loop(c[3], "water", ["11-24 09:05", "11-24 09:10", "11-24 09:15", "11-24 09:20"])
    assert deadline(body) == "11-26 09:15"
    m.step("11-25 09:00", "dept_water", c[3], "request_postpone", reason="灯杆到货",
           extension_value=1, extension_unit="work_days")
    assert deadline(m.step("11-25 09:10", "dispatcher", c[3], "approve_postpone")) == \
        "11-27 09:15"
    for when, who, action, data in [("11-27 09:00", "dept_water", "feedback", {}),
                                    ("11-27 09:05", "acceptor", "request_check", {}),
                                    ("11-27 09:10", "supervisor", "check", {"result": "fixed"}),
                                    ("11-27 09:20", "dutychief", "close", {})]:
        m.step(when, who, c[3], action, **data)
    c[4] = m.report("11-24 10:00", 2)
    body = m.loop(c[4], "water", ["11-24 10:05", "11-24 10:10", "11-24 10:15", "11-24 10:20",
                                  "11-24 16:00", "11-24 16:05", "11-24 16:10"],
                  check_result="not_fixed")
    assert deadline(body) == "11-26 16:10"
    m.step("11-24 16:20", "dept_water", c[4], "dept_accept")
    m.step("11-25 15:00", "dept_water", c[4], "feedback")
    m.step("11-25 15:05", "acceptor", c[4], "request_check")
    assert deadline(m.step("11-25 15:10", "supervisor", c[4], "check", result="not_fixed")) == \
        "11-27 15:10"
    m.handled(c[4], "water", ["11-25 15:20", "12-01 09:00", "12-01 09:05", "12-01 09:10",
                              "12-01 09:20"])
    c[13] = m.report("11-24 11:00", 2)
    m.step("11-24 11:05", "supervisor", c[13], "self_handle")
    m.step("11-24 11:30", "dutychief", c[13], "audit_self", result="approved")
    c[16] = m.report("11-24 14:00", 4)
    assert deadline(m.loop(c[16], "roads", ["11-24 14:05", "11-24 14:10", "11-24 14:15",
                                            "11-24 14:20"])) == "11-26 14:15"
    c[5] = m.report("11-25 09:00", 1)
    m.loop(c[5], "roads", ["11-25 09:05", "11-25 09:10", "11-25 09:15"])
    m.step("11-25 09:30", "dept_roads", c[5], "request_return", reason="不是我们的")
    m.step("11-25 09:40", "dispatcher", c[5], "approve_return")
    m.step("11-25 09:50", "dispatcher", c[5], "dispatch", department_code="water")
    m.handled(c[5], "water", ["11-25 10:00", "11-26 10:00", "11-26 10:05", "11-26 10:10",
                              "11-26 10:20"])
    c[6] = m.report("11-25 10:00", 3)
    m.loop(c[6], "roads", ["11-25 10:05", "11-25 10:10", "11-25 10:15", "11-25 10:20"])
    m.step("11-25 11:00", "dept_roads", c[6], "request_suspend", reason="等电力")
    m.step("11-25 11:10", "dispatcher", c[6], "approve_suspend")
    assert deadline(m.step("11-30 09:00", "dispatcher", c[6], "resume")) == "12-02 08:05"
    for when, who, action, data in [("12-01 10:00", "dept_roads", "feedback", {}),
                                    ("12-01 10:05", "acceptor", "request_check", {}),
                                    ("12-01 10:10", "supervisor", "check", {"result": "fixed"}),
                                    ("12-01 10:20", "dutychief", "close", {})]:
        m.step(when, who, c[6], action, **data)
    c[7] = m.call("11-26 09:00", 2)
    m.step("11-26 09:05", "acceptor", c[7], "accept")
    m.step("11-26 09:10", "acceptor", c[7], "send_verify")
    m.step("11-26 09:30", "supervisor", c[7], "verify", result="confirmed")
    m.step("11-26 09:45", "dutychief", c[7], "file")
    m.step("11-26 09:50", "dispatcher", c[7], "dispatch", department_code="roads")
    m.handled(c[7], "roads", ["11-26 10:00", "11-27 11:00", "11-27 11:05", "11-27 11:20",
                              "11-27 11:30"])
    assert m.callback("11-27 14:00", c[7], 5)["state"] == "closed"
    c[8] = m.call("11-26 10:00", 2)
    m.step("11-26 10:05", "acceptor", c[8], "accept")
    m.step("11-26 10:10", "acceptor", c[8], "send_verify")
    m.step("11-26 10:20", "supervisor", c[8], "verify", result="confirmed")
    m.step("11-26 10:25", "dutychief", c[8], "file")
    m.step("11-26 10:30", "dispatcher", c[8], "dispatch", department_code="water")
    m.handled(c[8], "water", ["11-26 10:35", "11-26 15:00", "11-26 15:05", "11-26 15:10",
                              "11-26 15:20"])
    assert m.callback("11-27 09:00", c[8], 2)["reopened"] is True
    m.handled(c[8], "water", ["11-27 09:10", "12-01 10:00", "12-01 10:05", "12-01 10:10",
                              "12-01 10:20"])
    c[14] = m.report("11-26 09:00", 1)
    m.loop(c[14], "roads", ["11-26 09:05", "11-26 14:30", "11-26 14:35", "11-26 14:40",
                            "11-27 10:00", "11-27 10:05", "11-27 10:10", "11-27 10:20"])
    c[9] = m.report("11-27 09:00", 1)
    m.step("11-27 09:05", "acceptor", c[9], "reject", reason="不属于城管")
    c[10] = m.report("11-27 09:10", 1)
    m.step("11-27 09:15", "acceptor", c[10], "accept")
    m.step("11-27 09:20", "dutychief", c[10], "void", reason="已修好")
    c[11] = m.call("11-27 10:00", 2)
    m.step("11-27 10:05", "acceptor", c[11], "accept")
    m.step("11-27 10:10", "acceptor", c[11], "send_verify")
    m.step("11-27 10:50", "supervisor", c[11], "verify", result="not_found")
    m.step("11-27 10:55", "dutychief", c[11], "void", reason="现场无此问题")
    c[15] = m.report("11-30 14:00", 3)
    body = m.loop(c[15], "water", ["11-30 14:05", "11-30 14:10", "11-30 14:15", "11-30 14:20"])
    assert deadline(body) == "12-02 14:15"
    for when, who, action, data in [("12-02 10:00", "dept_water", "feedback", {}),
                                    ("12-02 10:05", "acceptor", "request_check", {}),
                                    ("12-02 10:10", "supervisor", "check", {"result": "fixed"}),
                                    ("12-02 10:20", "dutychief", "close", {})]:
        m.step(when, who, c[15], action, **data)
    for when, who, action, data in [("12-01 15:00", "dept_roads", "feedback", {}),
                                    ("12-01 15:05", "acceptor", "request_check", {}),
                                    ("12-01 15:10", "supervisor", "check", {"result": "fixed"}),
                                    ("12-01 15:20", "dutychief", "close", {})]:
        m.step(when, who, c[16], action, **data)
    c[17] = m.report("11-30 17:50", 4)
    body = m.loop(c[17], "water", ["11-30 17:55", "12-01 08:10", "12-01 08:20"])
    assert deadline(body) == "12-03 08:20"
    m.now = at("12-05 12:00")
    m.cases = c
    return m


def tables(client, query):
    body = client.get(f"/api/evaluation/rankings/?{query}").json()
    return {t["kind"]: {r["entity"]: r for r in t["rows"]} for t in body["tables"]}


def test_november_by_hand(month):
    leader = month.cast["leader"]
    sup = str(month.cast["supervisor"].user.pk)
    acceptor = str(month.cast["acceptor"].user.pk)
    chief = str(month.cast["dutychief"].user.pk)
    dispatcher = str(month.cast["dispatcher"].user.pk)
    t = tables(leader, NOV)

    s = t["supervisor"][sup]
    # reported: 14 handset reports (all but the hotline c7 c8 c11), c17 at 11-30 17:50 included.
    # valid: filed c1-c6 c14-c17 (10; c17 filed in December counts at its report) + c13
    # self-handled and approved = 11; not c9 (rejected), c10 (voided), c12 (merged).
    # missed: the grid's verified public reports c7, c8 (c11 was not found) = 2.
    # verification tasks c7 c8 c11, on time 2 (c11 10:50 > 10:40).
    # check tasks first sent in November: c1 c2 c3 c4 c5 c7 c8 c14 = 8, all done in 5-15 min.
    assert s["counters"] == {"reported": 14, "valid": 11, "missed": 2, "verify_tasks": 3,
                             "verified": 3, "verified_on_time": 2, "check_tasks": 8,
                             "checked": 8, "checked_on_time": 8, "self_handled": 1}
    # .4·(11/14) + .2·(1 − 2/13) + .2·(2/3) + .2·1 = 31.42857 + 16.92308 + 13.33333 + 20
    # = 81.68498
    assert (s["composite"], s["grade"], s["rank"]) == (81.68, "B", 1)

    a = t["acceptor"][acceptor]
    # accepted: all but c9 (rejected), c12 (merged from reported), c13 (self-handled) = 14.
    assert a["counters"] == {"accepted": 14, "rejected": 1, "verify_sent": 3,
                             "verify_sent_on_time": 3, "check_sent": 8, "check_sent_on_time": 8}
    # band: 14 ≤ 100 → 0. .25·0 + .4·100 + .35·100 = 75
    assert (a["composite"], a["grade"], a["rank"]) == (75.0, "B", 1)

    d = t["duty_chief"][chief]
    # filed in November: c1-c8, c14, c15, c16 = 11 (c17 on 12-01); late: c14 → on time 10.
    # closings whose last closing is in November: c1 c2 c3 c5 c7 c14 = 6 (c4, c8 closed for good
    # in December); in time 5 (c2 15:00 > 11:10). voided: c10 c11 (both before filing: no
    # misfiling). audited: c13.
    assert d["counters"] == {"filed": 11, "filed_on_time": 10, "voided": 2, "closings": 6,
                             "closings_in_time": 5, "audited": 1}
    # .25·(10/11) + .4·(11/11) + .35·(5/6) = 22.7273 + 40 + 29.1667 = 91.894
    assert (d["composite"], d["grade"], d["rank"]) == (91.89, "A", 1)

    p = t["dispatcher"][dispatcher]
    # dispatched: c1-c8, c14, c15, c16 = 11 (c5 twice: one case); late c2; misdispatched c5.
    # No department is suggested for class 0118, so no suggestion was followed.
    assert p["counters"] == {"dispatched": 11, "dispatched_on_time": 10, "misdispatched": 1}
    # band 11 → 0. .4·(10/11) + .4·(10/11) = 72.727
    assert (p["composite"], p["grade"], p["rank"]) == (72.73, "C", 1)

    roads = t["department"]["roads"]
    # roads kept c1 c2 c6 c7 c14 c16 (c5 was returned: not roads'). due: c1 (handled 11-23),
    # c2 (deadline 11-25 16:00), c7, c14 (handled first), c16 (deadline 11-26 14:15) = 5; c6
    # is due only 12-01 (resumed). handled 5 (c16 in December), on time c1 c7 c14 = 3.
    # closed c1 c2 c7 c14 = 4, handled on time c1 c7 c14 = 3; overdue at 11-30: c16 = 1.
    # unhandled at 11-30: c6, c16.
    assert roads["counters"] == {"dispatched": 6, "due": 5, "handled": 5, "handled_on_time": 3,
                                 "closed": 4, "closed_on_time": 3, "overdue": 1,
                                 "suspended": 1, "unhandled": 2}
    # .1·100 (6 ≤ 50) + .3·(4/5) + .3·(3/5) + .3·(1 − 0/5) = 10 + 24 + 18 + 30 = 82
    assert (roads["composite"], roads["grade"], roads["rank"]) == (82.0, "B", 1)
    assert roads["rates"]["handling_rate"] == 1.0

    water = t["department"]["water"]
    # water: c3 c4 c5 c8 c15 dispatched = 5. due: c3 (handled 11-27 09:00 before the postponed
    # 09:15), c4, c5, c8 (handled first) = 4; c15 not yet due. handled 4; on time c3 c5 = 2
    # (c4's third cycle and c8's reopened cycle were late). closed c3 c5 = 2, both on time;
    # overdue at 11-30: c4 (past 11-27 15:10) = 1, with a failed check → reworked_open 1.
    # c8's new deadline 12-01 09:00 is not past at 11-30. unhandled: c4 c8 c15.
    assert water["counters"] == {"dispatched": 5, "due": 4, "handled": 4, "handled_on_time": 2,
                                 "closed": 2, "closed_on_time": 2, "overdue": 1,
                                 "reworked_open": 1, "postponed": 1, "reopened": 1,
                                 "unhandled": 3}
    # .1·100 + .3·(2/3) + .3·(2/4) + .3·(1 − 1/3) = 10 + 20 + 15 + 20 = 65
    assert (water["composite"], water["grade"], water["rank"]) == (65.0, "C", 2)

    cells = t["cell"]
    # cell1: c1 c2 c5 c9 c10 c12 c14 reported; filed c1 c2 c5 c14; closed all four, on time
    # c1 c5 c14. 10 + .2·75 (4 < 5) + .3·1 + .4·(3/4) = 10 + 15 + 30 + 30 = 85
    assert cells[CELLS[1]]["counters"] == {"reported": 7, "filed": 4, "closed": 4,
                                           "closed_on_time": 3}
    assert (cells[CELLS[1]]["composite"], cells[CELLS[1]]["grade"]) == (85.0, "B")
    # cell2: c3 c4 c7 c8 c11 c13; public c7 c8 c11, verified real c7 c8; filed c3 c4 c7 c8;
    # closed c3 c7 on time; overdue c4 (reworked). .1·50 + .2·75 + .3·(2/3) + .4·(2/3) = 66.667
    assert cells[CELLS[2]]["counters"] == {"reported": 6, "public_reported": 3,
                                           "public_verified": 2, "filed": 4, "closed": 2,
                                           "closed_on_time": 2, "overdue": 1,
                                           "reworked_open": 1, "self_handled": 1}
    assert (cells[CELLS[2]]["composite"], cells[CELLS[2]]["grade"]) == (66.67, "C")
    # cell3: c6 c15 filed, neither due to close (no denominator: 100): 10 + 18 + 30 + 40 = 98,
    # unranked (filed 2 < 3). cell4: c16 overdue, c17 not filed yet: 10 + 18 + 0 + 0 = 28.
    assert cells[CELLS[3]]["counters"] == {"reported": 2, "filed": 2}
    assert cells[CELLS[4]]["counters"] == {"reported": 2, "filed": 1, "overdue": 1}
    assert [(e, r["composite"], r["grade"], r["rank"]) for e, r in cells.items()] == [
        (CELLS[1], 85.0, "B", 1), (CELLS[2], 66.67, "C", 2), (CELLS[3], 98.0, "A", None),
        (CELLS[4], 28.0, "E", None)]
    # community = street = district = the four cells: reported 17, public 3, filed 11 (2.75 a
    # cell < 3 → 90), closed 6, on time 5, overdue 2 (c4, c16).
    # .1·(1 − 3/17) + .2·90 + .3·(6/8) + .4·(5/8) = 8.2353 + 18 + 22.5 + 25 = 73.735
    for kind, code in (("community", COMMUNITY), ("street", STREET), ("district", "110101")):
        row = t[kind][code]
        assert row["counters"]["closed"] == 6 and row["counters"]["overdue"] == 2
        assert (row["composite"], row["grade"], row["rank"]) == (73.74, "C", 1), kind
    # The month before had no activity: no score, so no trend.
    assert {r["trend"] for kind in t.values() for r in kind.values()} == {"none"}


def test_december_picks_up_what_november_left(month):
    t = tables(month.cast["leader"], DEC)
    roads, water = t["department"]["roads"], t["department"]["water"]
    # roads: c6 due at its feedback 12-01 10:00 (before 12-02 08:05), on time, closed; c16
    # closed 12-01 (late). 10 + .3·(2/2) + .3·(1/1) + .3·1 = 100, unranked (dispatched 0 < 5).
    assert roads["counters"] == {"due": 1, "handled": 1, "handled_on_time": 1, "closed": 2,
                                 "closed_on_time": 1}
    assert (roads["composite"], roads["rank"], roads["trend"]) == (100.0, None, "up")
    # water: c17 dispatched and due (12-03 08:20, never handled); c15 due at its feedback;
    # closed c4 (reworked) c8 c15, on time c15; overdue at 12-31: c17.
    assert water["counters"] == {"dispatched": 1, "due": 2, "handled": 1, "handled_on_time": 1,
                                 "closed": 3, "closed_on_time": 1, "overdue": 1, "reworked": 1,
                                 "unhandled": 1}
    # 10 + .3·(3/4) + .3·(1/2) + .3·(1 − 1/4) = 10 + 22.5 + 15 + 22.5 = 70
    assert (water["composite"], water["grade"], water["trend"]) == (70.0, "C", "up")


def test_a_week_shows_counters_and_no_grade(month):
    t = tables(month.cast["leader"], "period=week&date=2026-11-23")
    roads = t["department"]["roads"]
    assert (roads["composite"], roads["grade"], roads["rank"]) == (None, None, None)
    assert roads["counters"]["due"] == 5  # c1 c2 c7 c14 c16 all fell due in 11-23..11-29
    assert roads["rates"]["handling_on_time_rate"] == 0.6


def test_the_log_agrees_and_a_return_leaves_the_department(month):
    leader, roads = month.cast["leader"], month.cast["dept_roads"]
    for query in (NOV, DEC, "period=week&date=2026-11-30", "period=day&date=2026-12-01"):
        rolled = leader.get(f"/api/evaluation/rankings/?{query}").json()["tables"]
        assert leader.get(f"/api/evaluation/rankings/?{query}&source=straight").json()[
            "tables"] == rolled, query
    c5 = month.cases[5]
    assert roads.get(f"/api/cases/{c5}/").status_code == 404
    for counter in ("dispatched", "due", "handled", "unhandled"):
        body = roads.get(f"/api/evaluation/cases/?{NOV}&kind=department&entity=roads"
                         f"&counter={counter}").json()
        assert c5 not in [r["number"] for r in body["cases"]], counter
    body = leader.get(f"/api/evaluation/cases/?{NOV}&kind=dispatcher"
                      f"&entity={month.cast['dispatcher'].user.pk}&counter=misdispatched").json()
    assert [r["number"] for r in body["cases"]] == [c5]
    assert "returned by the department, approved 2026-11-25 09:40" in body["cases"][0]["why"][0]
    due = roads.get(f"/api/evaluation/cases/?{NOV}&kind=department&entity=roads"
                    f"&counter=due").json()
    why = {r["number"]: r["why"][0] for r in due["cases"]}
    assert why[month.cases[16]].endswith("handling deadline 2026-11-26 14:15")
    assert why[month.cases[1]].endswith("first handled 2026-11-23 15:00, before its deadline")


def test_publishing_freezes_the_month_and_a_correction_is_a_new_revision(month, monkeypatch,
                                                                          tmp_path):
    import json

    from workflows import scoring_rules

    leader = month.cast["leader"]
    publish = "/api/evaluation/publish/"
    assert month.cast["dutychief"].post(publish, {"date": "2026-11"},
                                        format="json").status_code == 403
    assert "not over" in leader.post(publish, {"date": "2026-12"},
                                     format="json").json()["error"]["message"]
    before = tables(leader, NOV)
    r = leader.post(publish, {"date": "2026-11"}, format="json")
    assert r.status_code == 201, r.content
    assert (r.json()["revision"], r.json()["rules_version"]) == (1, "2026.2")
    body = leader.get(f"/api/evaluation/rankings/?{NOV}").json()
    assert body["published"]["revision"] == 1 and body["published"]["revisions"] == [1]
    assert tables(leader, NOV) == before

    # A late event: c7's caller, called again on 12-05, is unhappy: the case is reopened, so
    # live it is no longer closed in November. And the rules file is edited (roads' weights).
    month.callback("12-05 10:00", month.cases[7], 1)
    raw = scoring_rules.raw_rules()
    raw["version"] = "2027.1"
    raw["grades"] = [["A", 95], ["B", 80], ["C", 60], ["D", 40], ["E", 0]]
    edited = tmp_path / "rules.json"
    edited.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(scoring_rules, "DATA", edited)
    scoring_rules.default_evaluation_rules.cache_clear()
    try:
        frozen = tables(leader, NOV)
        assert frozen == before  # published: neither the event nor the rules change it
        assert frozen["department"]["roads"]["grade"] == "B"  # 82 under the rules of 2026.2
        live = leader.get(f"/api/evaluation/rankings/?{NOV}&source=straight").json()
        roads = next(t for t in live["tables"] if t["kind"] == "department")["rows"]
        # Live: c7 is no longer closed (closed 4 → 3, closed on time 3 → 2) nor handled (its
        # reopened cycle has no feedback: handled 5 → 4, on time 3 → 2); its new deadline is in
        # December, so it is not overdue: .1·100 + .3·(3/4) + .3·(2/5) + .3·(1 − 0/4)
        # = 10 + 22.5 + 12 + 30 = 74.5 → C (and C under the edited grades too).
        row = next(r for r in roads if r["entity"] == "roads")
        assert (row["counters"]["closed"], row["counters"]["handled_on_time"],
                row["composite"], row["grade"]) == (3, 2, 74.5, "C")
        assert live["rules_version"] == "2027.1"
        assert leader.post(publish, {"date": "2026-11"}, format="json").status_code == 400
        r = leader.post(publish, {"date": "2026-11", "note": "c7 重办 reopened"}, format="json")
        assert (r.status_code, r.json()["revision"], r.json()["rules_version"]) == (
            201, 2, "2027.1")
        now = tables(leader, NOV)
        assert (now["department"]["roads"]["composite"], now["department"]["roads"]["grade"]
                ) == (74.5, "C")
        assert tables(leader, f"{NOV}&revision=1") == before  # the first revision is kept
        csv = leader.get(f"/api/evaluation/export/?{NOV}&fmt=csv&revision=1").content.decode()
        assert ("规则版本 Rules version,2026.2" in csv
                and "发布版本 Published revision,1" in csv.splitlines()[0])
        browser = Client()
        browser.force_login(leader.user)
        page = browser.get(f"/evaluation/?{NOV}").content.decode()
        assert "第 2 版" in page and "c7 重办 reopened" in page  # the note as written
        assert "发布更正版" in page and "Publish a correction" not in page
        # roads' 74.5 taken apart: closing rate 3/4 → 75.0 × 30% = 22.50 points, and so on.
        assert "75.0 × 30%</td><td class=\"n\">22.50" in page
        bulletin = browser.get("/evaluation/bulletin/?date=2026-11").content.decode()
        assert "已发布第 2 版" in bulletin and "规则版本 2027.1" in bulletin
    finally:
        scoring_rules.default_evaluation_rules.cache_clear()


def test_publishing_refuses_what_it_cannot_freeze(cast):
    leader = cast["leader"]
    for body, word in (({"date": "2026-11-03"}, "date"), ({"date": "2026-13"}, "date"),
                       (["2026-11"], "object"), ({}, "date")):
        r = leader.post("/api/evaluation/publish/", body, format="json")
        assert r.status_code == 400 and word in r.json()["error"]["message"], (body, r.content)
    r = leader.get("/api/evaluation/rankings/?period=month&date=2026-11&revision=2")
    assert r.status_code == 400 and "no published revision 2" in r.json()["error"]["message"]
    r = leader.get("/api/evaluation/rankings/?period=week&date=2026-11-02&revision=x")
    assert r.status_code == 400 and "revision" in r.json()["error"]["message"]

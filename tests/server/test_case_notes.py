"""Notes on a case's story over the API: an urge of the department (督办), its acknowledgement
by the department (督办已阅) and a comment (批转意见). All are events in the log taken through
the one writer; none changes the case (state, holder, deadlines, version); an urge is counted on
the case and heard live by the department's terminal, its acknowledgement by every screen of
the department and the centres, a comment by every page open on the case."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import async_to_sync

from server.cases.models import Case, CaseEvent
from tests.server.conftest import report_form
from tests.server.realtime.conftest import act as act_live
from tests.server.realtime.conftest import drain, listening
from tests.server.test_loop import LOOP, act
from workflows.guards import NOTE_MAX


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    """The websocket scenario below runs ORM work through ``database_sync_to_async``, which
    would otherwise close the connection holding the test's transaction."""
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


def _to(cast, number, upto):
    for who, action, data, _ in LOOP[:upto]:
        r = act(cast[who], number, action, **dict(data))
        assert r.status_code == 200, (action, r.content)
    return r.json()


def _error(r):
    return r.json()["error"]


def test_an_urge_is_logged_counted_and_changes_nothing_else(cast, report):
    number = report()
    before = _to(cast, number, 4)  # handling by roads
    r = act(cast["dispatcher"], number, "urge", note="今天下班前必须处理完", level="high")
    assert r.status_code == 200, r.content
    after = r.json()
    assert after["urge_count"] == 1 and after["state"] == "handling"
    for same in ("version", "deadline", "department_code", "light", "handle_deadline"):
        assert after[same] == before[same], same
    e = CaseEvent.objects.filter(case__number=number).latest("id")
    assert (e.action, e.from_state, e.to_state, e.actor.username) == (
        "urge", "handling", "handling", "dispatcher")
    assert e.data["note"] == "今天下班前必须处理完" and e.data["level"] == "high"
    # a second urge, by the duty chief; the story shows both with actor and post
    assert act(cast["dutychief"], number, "urge", note="再次督办").json()["urge_count"] == 2
    story = cast["dept_roads"].get(f"/api/cases/{number}/").json()
    urges = [s for s in story["events"] if s["action"] == "urge"]
    assert [(s["by"]["role"], s["data"]["note"]) for s in urges] == [
        ("dispatcher", "今天下班前必须处理完"), ("duty_chief", "再次督办")]
    assert story["urge_count"] == 2 and "urge" not in story["actions"]
    # the department's next step is not refused as stale: the version it saw still holds
    r = act(cast["dept_roads"], number, "feedback", version=before["version"],
            photo=LOOP[4][2]["photo"])
    assert r.status_code == 200, r.content


def test_an_urge_repeated_under_its_key_is_one_event(cast, report):
    number = report()
    _to(cast, number, 3)  # dispatched
    key = uuid.uuid4().hex
    first = act(cast["dutychief"], number, "urge", note="请尽快签收", idempotency_key=key)
    again = act(cast["dutychief"], number, "urge", note="请尽快签收", idempotency_key=key)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and again.json()["urge_count"] == 1
    assert CaseEvent.objects.filter(case__number=number, action="urge").count() == 1
    other = act(cast["dutychief"], number, "urge", note="另一句话", idempotency_key=key)
    assert other.status_code == 409 and _error(other)["code"] == "idempotency_conflict"


@pytest.mark.parametrize("who, data, status, code, words", [
    ("dispatcher", {}, 400, "invalid", "'note' is required"),
    ("dispatcher", {"note": "   "}, 400, "invalid", "'note' is required"),
    ("dispatcher", {"note": "急" * (NOTE_MAX + 1)}, 400, "invalid", "too long"),
    ("dispatcher", {"note": "x" * 2001}, 400, "invalid", "note"),  # the form's own limit
    ("dispatcher", {"note": "a\x00b"}, 400, "invalid", "note"),
    ("dispatcher", {"note": "x", "level": "extreme"}, 400, "invalid", "level"),
    ("dept_roads", {"note": "x"}, 403, "role_not_allowed", "department"),
    ("acceptor", {"note": "x"}, 403, "role_not_allowed", "acceptor"),
    ("supervisor", {"note": "x"}, 403, "role_not_allowed", "supervisor"),
])
def test_bad_urges_are_refused_and_write_nothing(cast, report, who, data, status, code, words):
    number = report()
    _to(cast, number, 4)
    events = CaseEvent.objects.count()
    r = act(cast[who], number, "urge", **data)
    assert (r.status_code, _error(r)["code"]) == (status, code), r.content
    assert words in _error(r)["message"].lower()
    assert CaseEvent.objects.count() == events and Case.objects.get(number=number).urge_count == 0


def test_the_department_acknowledges_the_urges_waiting_once_for_all_its_screens(cast, report):
    number = report()
    before = _to(cast, number, 4)  # handling by roads
    for note in ("请尽快处理", "再次督办"):
        assert act(cast["dispatcher"], number, "urge", note=note).status_code == 200
    row = cast["dept_roads"].get("/api/cases/?open=true").json()["results"]
    row = next(c for c in row if c["number"] == number)
    assert (row["urge_count"], row["urges_acknowledged"], row["urge_unacknowledged"]) == (
        2, 0, True)
    assert "acknowledge" in row["actions"]
    key = uuid.uuid4().hex
    first = act(cast["dept_roads"], number, "acknowledge", idempotency_key=key)
    again = act(cast["dept_roads"], number, "acknowledge", idempotency_key=key)
    assert first.status_code == again.status_code == 200, first.content
    assert first.json() == again.json()
    after = first.json()
    assert (after["urges_acknowledged"], after["urge_unacknowledged"]) == (2, False)
    for same in ("state", "version", "deadline", "handle_deadline", "light", "department_code"):
        assert after[same] == before[same], same
    assert CaseEvent.objects.filter(case__number=number, action="acknowledge").count() == 1
    # the same person on their phone, or a colleague, a moment later: nothing left to read
    r = act(cast["dept_roads"], number, "acknowledge")
    assert r.status_code == 409 and _error(r)["code"] == "nothing_to_acknowledge", r.content
    assert _error(r)["state"] == "handling"
    # the duty chief reads in the story who read each urge, and when
    story = cast["dutychief"].get(f"/api/cases/{number}/").json()
    urges = [e for e in story["events"] if e["action"] == "urge"]
    ack = next(e for e in story["events"] if e["action"] == "acknowledge")
    assert [u["acknowledged"] for u in urges] == [{"at": ack["at"], "by": ack["by"]}] * 2
    assert ack["by"]["username"] == "dept_roads" and ack["data"]["urges"] == [
        u["id"] for u in urges]
    # a third urge waits alone; reading it marks it only
    act(cast["dutychief"], number, "urge", note="第三次")
    assert cast["dept_roads"].get(f"/api/cases/{number}/").json()["urge_unacknowledged"]
    assert act(cast["dept_roads"], number, "acknowledge").status_code == 200
    events = cast["dutychief"].get(f"/api/cases/{number}/").json()["events"]
    acks = [e for e in events if e["action"] == "acknowledge"]
    assert [len(a["data"]["urges"]) for a in acks] == [2, 1]
    assert [e["acknowledged"]["at"] for e in events if e["action"] == "urge"] == [
        acks[0]["at"]] * 2 + [acks[1]["at"]]


@pytest.mark.parametrize("who, status, code", [
    ("dispatcher", 403, "role_not_allowed"), ("dutychief", 403, "role_not_allowed"),
    ("supervisor", 403, "role_not_allowed"), ("dept_water", 404, "not_found")])
def test_only_the_department_holding_the_case_acknowledges(cast, report, who, status, code):
    number = report()
    _to(cast, number, 4)
    act(cast["dispatcher"], number, "urge", note="x")
    r = act(cast[who], number, "acknowledge")
    assert (r.status_code, _error(r)["code"]) == (status, code), r.content
    assert Case.objects.get(number=number).urges_acknowledged == 0


def test_an_urge_needs_a_case_with_the_department(cast, report):
    number = report()
    _to(cast, number, 2)  # filed: no department yet
    r = act(cast["dispatcher"], number, "urge", note="x")
    assert r.status_code == 409 and _error(r)["code"] == "wrong_state"
    assert _error(r)["state"] == "filed"
    r = act(cast["dispatcher"], "C0103202611239999", "urge", note="x")
    assert r.status_code == 404 and _error(r)["code"] == "not_found"


def test_anyone_who_reads_a_case_may_comment_at_any_step(cast, report):
    number = report()
    version = _to(cast, number, 4)["version"]
    for who in ("supervisor", "acceptor", "dutychief", "dispatcher", "dept_roads", "calltaker",
                "leader"):
        r = act(cast[who], number, "comment", note=f"{who}: 意见")
        assert r.status_code == 200, (who, r.content)
        assert r.json()["state"] == "handling"
    assert Case.objects.get(number=number).version == version
    story = cast["leader"].get(f"/api/cases/{number}/").json()["events"]
    comments = [s for s in story if s["action"] == "comment"]
    assert len(comments) == 7
    assert comments[4]["by"]["department"] and comments[4]["data"]["note"] == "dept_roads: 意见"
    # a department that does not hold the case does not learn it exists
    r = act(cast["dept_water"], number, "comment", note="x")
    assert r.status_code == 404
    # a closed case takes a comment too
    _finish(cast, number)
    assert act(cast["dutychief"], number, "comment", note="结案后补充").status_code == 200
    r = act(cast["mapkeeper"], number, "comment", note="x")
    assert r.status_code == 404  # the map keeper reads no case


def test_a_comment_on_a_closed_case_leaves_it_waiting_for_its_callback(cast):
    form = report_form(kind="event", class_code="0102")
    form.pop("photo")
    number = cast["calltaker"].post("/api/reports/", form, format="multipart").json()["number"]
    act(cast["acceptor"], number, "accept")
    act(cast["acceptor"], number, "send_verify")
    act(cast["supervisor"], number, "verify", result="confirmed", photo=LOOP[4][2]["photo"])
    for who, action, data, _ in LOOP[1:]:
        assert act(cast[who], number, action, **dict(data)).status_code == 200, action
    waiting = lambda: [c["number"] for c in  # noqa: E731
                       cast["calltaker"].get("/api/hotline/callbacks/").json()["results"]]
    assert number in waiting()
    assert act(cast["dutychief"], number, "comment", note="请回访时说明").status_code == 200
    assert number in waiting()


def _finish(cast, number):
    for who, action, data, _ in LOOP[4:]:
        r = act(cast[who], number, action, **dict(data))
        assert r.status_code == 200, (action, r.content)


def test_notes_are_no_work_waiting_and_not_public(cast, report):
    number = report()
    _to(cast, number, 4)  # handling: the dispatcher may urge and comment, nothing else
    todo = cast["dispatcher"].get("/api/cases/?todo=true").json()["results"]
    assert number not in [c["number"] for c in todo]
    assert act(cast["dispatcher"], number, "comment", note="内部意见").status_code == 200
    assert act(cast["dispatcher"], number, "urge", note="内部督办").status_code == 200
    steps = cast["anonymous"].get(f"/api/portal/cases/{number}/")
    assert steps.status_code == 200, steps.content  # the portal shows the steps, not the notes
    assert [s["action"] for s in steps.json()["steps"]] == [
        "report", "accept", "file", "dispatch", "dept_accept"]


def test_the_department_hears_an_urge_live_and_a_comment_reaches_the_case_page(cast):
    number = async_to_sync(_report)(cast)

    async def scenario():
        roads = await listening("dept_roads")
        water = await listening("dept_water")
        await act_live(cast["dispatcher"], number, "urge", {"note": "马上处理"})
        got = await drain(roads)
        assert [m["event"]["action"] for m in got] == ["urge"]
        assert got[0]["case"]["urge_count"] == 1 and got[0]["case"]["state"] == "handling"
        await act_live(cast["leader"], number, "comment", {"note": "关注此案"})
        assert [m["event"]["action"] for m in await drain(roads)] == ["comment"]
        # read at one screen of the department: every screen of it, and the centres, hear it
        phone, centre = await listening("dept_roads"), await listening("dutychief")
        await act_live(cast["dept_roads"], number, "acknowledge")
        for ws in (roads, phone, centre):
            got = await drain(ws)
            assert [m["event"]["action"] for m in got] == ["acknowledge"]
            assert got[0]["case"]["urge_unacknowledged"] is False
        assert await drain(water) == []
        for ws in (roads, water, phone, centre):
            await ws.disconnect()

    async_to_sync(scenario)()


async def _report(cast):
    from channels.db import database_sync_to_async

    def setup():
        r = cast["supervisor"].post("/api/reports/", report_form(), format="multipart")
        number = r.json()["number"]
        _to(cast, number, 4)
        return number
    return await database_sync_to_async(setup)()

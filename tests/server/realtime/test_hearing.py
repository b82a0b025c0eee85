"""The websocket shows no more than the REST API: a department hears a case's events while the
case is sent to it, up to the event that takes it away, and nothing after; on resume (from the
log) and live, through its own group or through a case it followed.

The story: case A is dispatched to roads, roads asks to return it (回退), the dispatcher
approves and dispatches it to water, water accepts it."""

from __future__ import annotations

from asgiref.sync import async_to_sync

from tests.server.conftest import report_form
from tests.server.realtime.conftest import act, connect, drain, listening, report_live, until

#: After dispatch to roads: what moves the case from roads to water, then water's own step.
LEAVES_ROADS = (("dept_roads", "request_return", {"reason": "不属本部门"}),
                ("dispatcher", "approve_return", {}))
AFTER_ROADS = (("dispatcher", "dispatch", {"department_code": "water"}),
               ("dept_water", "dept_accept", {}))


async def _to_roads(cast, number) -> None:
    await act(cast["acceptor"], number, "accept")
    await act(cast["dutychief"], number, "file")
    await act(cast["dispatcher"], number, "dispatch", {"department_code": "roads"})


async def _steps(cast, number, steps) -> None:
    for who, action, data in steps:
        await act(cast[who], number, action, data)


def test_resume_brings_a_department_only_what_it_heard_while_it_held_the_case(cast, report,
                                                                               settings):
    settings.REALTIME_LATE_COMMIT_SECONDS = 0
    number = report()

    async def scenario():
        roads = await listening("dept_roads")
        await _to_roads(cast, number)
        cursor = (await drain(roads))[-1]["event_id"]  # the dispatch
        await roads.disconnect()  # the terminal drops; the case leaves for water meanwhile
        await _steps(cast, number, LEAVES_ROADS + AFTER_ROADS)
        roads = await listening("dept_roads")
        await roads.send_json_to({"type": "resume", "after": cursor, "seen": [cursor]})
        got = await until(roads, "resumed")
        await roads.disconnect()
        cases = [m for m in got if m["type"] == "case"]
        # The return request and its approval (which takes the case away), not water's steps.
        assert [m["event"]["action"] for m in cases] == ["request_return", "approve_return"]
        # ... each shown as the case was then, not as it is now (at water, accepted).
        assert [m["case"]["department_code"] for m in cases] == ["roads", None]
        assert [m["case"]["state"] for m in cases] == [m["event"]["to_state"] for m in cases]
        assert "water" not in str(cases)

    async_to_sync(scenario)()


def test_a_case_that_comes_back_is_heard_again_but_not_the_gap(cast, report, settings):
    """Sent to roads, away to water, returned by water and sent to roads again: a resume over
    all of it brings roads its two spells, not water's."""
    settings.REALTIME_LATE_COMMIT_SECONDS = 0
    number = report()

    async def scenario():
        roads, _, _ = await connect("dept_roads")
        cursor = (await roads.receive_json_from())["last_event_id"]
        await roads.disconnect()
        await _to_roads(cast, number)
        await _steps(cast, number, LEAVES_ROADS + AFTER_ROADS + (
            ("dept_water", "request_return", {"reason": "不属本部门"}),
            ("dispatcher", "approve_return", {}),
            ("dispatcher", "dispatch", {"department_code": "roads"})))
        roads = await listening("dept_roads")
        await roads.send_json_to({"type": "resume", "after": cursor})
        got = await until(roads, "resumed")
        await roads.disconnect()
        assert [m["event"]["action"] for m in got if m["type"] == "case"] == [
            "dispatch", "request_return", "approve_return", "dispatch"]

    async_to_sync(scenario)()


def test_a_followed_case_stops_flowing_once_it_left_the_department(cast, report):
    """Subscribed while the case was roads' (allowed), the case group keeps carrying its events
    after it left: each is checked again for the socket."""
    number = report()

    async def scenario():
        roads = await listening("dept_roads")
        await _to_roads(cast, number)
        await drain(roads)
        await roads.send_json_to({"type": "subscribe", "cases": [number]})
        assert (await roads.receive_json_from())["refused"] == []
        await _steps(cast, number, LEAVES_ROADS)
        assert [m["event"]["action"] for m in await drain(roads)] == ["request_return",
                                                                     "approve_return"]
        await _steps(cast, number, AFTER_ROADS)
        assert await drain(roads) == []
        await roads.disconnect()

    async_to_sync(scenario)()


def test_a_supervisor_following_a_case_hears_only_while_it_holds_its_task(cast):
    """The acceptor's own report, sent to the supervisor to verify (核实): followed while the
    task is theirs, silent once it ended."""

    async def scenario():
        number = await report_live(cast["acceptor"], report_form())
        await act(cast["acceptor"], number, "accept")
        sup = await listening("supervisor")
        await act(cast["acceptor"], number, "send_verify", {"assignee": "supervisor"})
        assert [m["event"]["action"] for m in await drain(sup)] == ["send_verify"]
        await sup.send_json_to({"type": "subscribe", "cases": [number]})
        assert (await sup.receive_json_from())["refused"] == []
        await act(cast["supervisor"], number, "verify", {"result": "not_found"})
        assert [m["event"]["action"] for m in await drain(sup)] == ["verify"]
        await act(cast["dutychief"], number, "void", {"reason": "查无此事"})
        assert await drain(sup) == []
        await sup.disconnect()

    async_to_sync(scenario)()

"""The websocket consumer: who may connect, what they hear, resume after a drop, subscriptions,
and refusal of malformed messages."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from server.cases.models import CaseEvent
from tests.server.conftest import report_form
from tests.server.realtime.conftest import act, connect, drain, report_live, until

EVENTS = database_sync_to_async(lambda: list(CaseEvent.objects.values_list("id", flat=True)))


def run(coro_fn):
    return async_to_sync(coro_fn)()


def test_anonymous_and_roleless_sockets_are_refused(cast):
    from server.accounts.models import User

    User.objects.create_user("norole", password="x")

    async def scenario():
        comm, ok, code = await connect(None)
        assert not ok and code == 4401
        comm, ok, code = await connect("norole")
        assert not ok and code == 4403

    run(scenario)


def test_a_token_in_the_authorization_header_opens_the_socket(cast):
    """The handset's way: the key never appears in the URL (URLs are logged)."""
    async def scenario():
        comm, ok, code = await connect("supervisor", header=True)
        assert ok, code
        assert (await comm.receive_json_from())["type"] == "hello"
        await comm.disconnect()

    run(scenario)


def test_hello_then_live_events_to_the_right_groups(cast, report):
    number = report()

    async def scenario():
        center, ok, _ = await connect("dispatcher")
        roads, _, _ = await connect("dept_roads")
        water, _, _ = await connect("dept_water")
        hello = await center.receive_json_from()
        assert hello["type"] == "hello" and "center" in hello["groups"]
        assert hello["last_event_id"] == max(await EVENTS())
        for ws in (roads, water):
            assert (await ws.receive_json_from())["type"] == "hello"
        await act(cast["acceptor"], number, "accept")
        await act(cast["dutychief"], number, "file")
        await act(cast["dispatcher"], number, "dispatch", {"department_code": "roads"})
        got = await drain(center)
        assert [m["event"]["action"] for m in got] == ["accept", "file", "dispatch"]
        assert got[-1]["case"]["department_code"] == "roads"
        assert [m["event"]["action"] for m in await drain(roads)] == ["dispatch"]
        assert await drain(water) == []
        for ws in (center, roads, water):
            await ws.disconnect()

    run(scenario)


def test_resume_replays_exactly_what_was_missed_then_goes_live(cast, report, settings):
    # No late-commit window here (SQLite commits in id order): exactly the missed events.
    # The window's over-sending is the next test's subject.
    settings.REALTIME_LATE_COMMIT_SECONDS = 0
    number = report()

    async def scenario():
        ws, _, _ = await connect("dept_roads")
        cursor = (await ws.receive_json_from())["last_event_id"]
        await act(cast["acceptor"], number, "accept")
        await act(cast["dutychief"], number, "file")
        await act(cast["dispatcher"], number, "dispatch", {"department_code": "roads"})
        first = await drain(ws)
        assert [m["event"]["action"] for m in first] == ["dispatch"]
        cursor = first[-1]["event_id"]
        await ws.disconnect()  # the link drops; the department takes the case on elsewhere
        await act(cast["dept_roads"], number, "dept_accept")
        other = await report_live(cast["supervisor"], report_form())  # not the department's
        ws, _, _ = await connect("dept_roads")
        await ws.receive_json_from()  # hello
        await ws.send_json_to({"type": "resume", "after": cursor, "seen": [cursor]})
        got = await until(ws, "resumed")
        assert [m["type"] for m in got] == ["case", "resumed"]
        assert got[0]["event"]["action"] == "dept_accept" and got[0]["case"]["number"] == number
        assert got[1]["replayed"] == 1 and got[1]["last_event_id"] == max(await EVENTS())
        assert other not in {m.get("case", {}).get("number") for m in got}
        # Live again, and a second resume does not repeat what this socket already sent.
        await ws.send_json_to({"type": "resume", "after": cursor, "seen": [cursor]})
        assert [m["type"] for m in await until(ws, "resumed")] == ["resumed"]
        await ws.disconnect()

    run(scenario)


def test_resume_resends_a_late_committed_smaller_id(cast, report, settings):
    """Event a (smaller id) committed after event b; the client saw b only. Resuming after b
    must bring a back; with a zero late-commit window it would be lost (what the window is for)."""
    first = report()
    second = report()
    a, b = CaseEvent.objects.filter(case__number__in=[first, second]).order_by("id")

    async def scenario(expect):
        ws, _, _ = await connect("dispatcher")
        await ws.receive_json_from()
        await ws.send_json_to({"type": "resume", "after": b.pk, "seen": [b.pk]})
        got = await until(ws, "resumed")
        await ws.disconnect()
        assert [m.get("event_id") for m in got if m["type"] == "case"] == expect
        assert got[-1]["type"] == "resumed"

    async_to_sync(scenario)([a.pk])
    settings.REALTIME_LATE_COMMIT_SECONDS = 0
    async_to_sync(scenario)([])


def test_too_much_missed_asks_for_a_reset(cast, report, settings):
    settings.REALTIME_RESUME_MAX = 2
    for _ in range(3):
        report()

    async def scenario():
        ws, _, _ = await connect("acceptor")
        hello = await ws.receive_json_from()
        await ws.send_json_to({"type": "resume", "after": 0})
        got = await until(ws, "reset", "resumed")
        assert got == [{"type": "reset", "reason": "too_many_missed",
                        "last_event_id": hello["last_event_id"]}]
        await ws.disconnect()

    run(scenario)


def test_events_the_client_may_hold_do_not_count_toward_a_reset(cast, report, settings,
                                                                monkeypatch):
    """Only events above the cursor are certainly missed. The late-commit window's are re-sent
    but not counted: at a high event rate ``seen`` cannot name them all, and counting them made
    every resume a reset (bench.faults)."""
    settings.REALTIME_RESUME_MAX = 2
    for _ in range(4):
        report()
    ids = sorted(CaseEvent.objects.values_list("id", flat=True))

    async def scenario(after, seen):
        ws, _, _ = await connect("acceptor")
        await ws.receive_json_from()
        await ws.send_json_to({"type": "resume", "after": after, "seen": seen})
        got = await until(ws, "reset", "resumed")
        await ws.disconnect()
        return got

    got = async_to_sync(scenario)(ids[-1], [])  # holds all, names none: all 4 in the window
    assert [m.get("event_id") for m in got[:-1]] == ids and got[-1]["type"] == "resumed"
    got = async_to_sync(scenario)(ids[0], [])  # 3 above the cursor: more than 2 missed
    assert [m["type"] for m in got] == ["reset"]
    # A full "seen" (its newest ids) bounds the window at its oldest: what lies below it is
    # not re-sent.
    monkeypatch.setattr("server.realtime.replay.MAX_SEEN", 2)
    got = async_to_sync(scenario)(ids[-1], [ids[2], ids[3]])
    assert [m["type"] for m in got] == ["resumed"]
    got = async_to_sync(scenario)(ids[-1], [ids[1], ids[3]])  # ids[2] missing: re-sent
    assert [m.get("event_id") for m in got[:-1]] == [ids[2]]


def test_malformed_messages_are_refused_and_the_socket_stays(cast):
    async def scenario():
        ws, _, _ = await connect("leader")
        await ws.receive_json_from()
        for bad in ('{"type": "resume"}', '{"type": "resume", "after": -1}',
                    '{"type": "resume", "after": 1, "extra": 2}', '{"type": "nope"}',
                    '{"type": "resume", "after": 9, "seen_ranges": [[3, 1]]}',
                    'not json', '[1]', '{"type": "subscribe", "cases": "x"}'):
            await ws.send_to(text_data=bad)
            msg = await ws.receive_json_from()
            assert msg["type"] == "error" and msg["code"] == "invalid", (bad, msg)
        await ws.send_json_to({"type": "ping"})
        assert await ws.receive_json_from() == {"type": "pong"}
        await ws.disconnect()

    run(scenario)


def test_subscriptions_are_checked_against_what_the_user_may_see(cast, report):
    number = report()

    async def scenario():
        dept, _, _ = await connect("dept_roads")
        await dept.receive_json_from()
        await dept.send_json_to({"type": "subscribe", "cases": [number, "NOPE"],
                                 "grids": ["110101001001001"]})
        msg = await dept.receive_json_from()
        assert msg["groups"] == [] and msg["refused"] == [number, "NOPE", "110101001001001"]
        sup, _, _ = await connect("supervisor")  # the reporter may follow their own case
        await sup.receive_json_from()
        await sup.send_json_to({"type": "subscribe", "cases": [number]})
        msg = await sup.receive_json_from()
        assert msg["refused"] == [] and msg["groups"][0].startswith("case.")
        leader, _, _ = await connect("leader")
        await leader.receive_json_from()
        await leader.send_json_to({"type": "subscribe", "grids": ["110101001001001"]})
        assert (await leader.receive_json_from())["groups"] == ["grid.110101001001001"]
        await act(cast["acceptor"], number, "accept")
        # Through two groups (user + case; centre + grid), but once per socket.
        assert [m["event"]["action"] for m in await drain(sup)] == ["accept"]
        assert [m["event"]["action"] for m in await drain(leader)] == ["accept"]
        assert await drain(dept) == []
        for ws in (dept, sup, leader):
            await ws.disconnect()

    run(scenario)


def _accept_without_push(cast, number):
    """An accept whose push is lost for real: its on-commit push never runs in the test's
    transaction (as if the layer or the worker failed right after the commit)."""
    return database_sync_to_async(
        lambda: cast["acceptor"].post(f"/api/cases/{number}/actions/accept/", {}, format="json"))


def test_after_layer_trouble_a_ping_brings_what_the_layer_lost(cast, report, monkeypatch):
    """A Redis restart loses pushes while the socket stays open (no drop, so no resume). Once
    the worker has noted a layer failure, the next ping replays what was lost; without one a
    ping is only a pong."""
    from server.realtime import layer_watch

    monkeypatch.setattr(layer_watch, "_last", float("-inf"))  # restored after the test
    number = report()
    lose = _accept_without_push(cast, number)

    async def scenario():
        ws, _, _ = await connect("dispatcher")
        await ws.receive_json_from()
        assert (await lose()).status_code == 200
        # Each ping's answer must come: wait for its pong (what is replayed comes before it),
        # not for a quiet moment, which a slow catch-up on a busy machine outlasts.
        await ws.send_json_to({"type": "ping"})
        assert await until(ws, "pong") == [{"type": "pong"}]
        layer_watch.note("a test")
        await ws.send_json_to({"type": "ping"})
        got = await until(ws, "pong")
        assert [m.get("event", {}).get("action") for m in got] == ["accept", None]
        assert got[0]["case"]["number"] == number and got[-1] == {"type": "pong"}
        await ws.send_json_to({"type": "ping"})  # still settling: checks again, sends no twice
        assert await until(ws, "pong") == [{"type": "pong"}]
        await ws.disconnect()

    run(scenario)


def test_a_ping_catches_up_once_a_while_without_a_failure(cast, report, monkeypatch):
    """A worker killed between a commit and its push: nobody notices, so every socket catches up
    on a ping once every CATCH_UP_EVERY_S (here at once)."""
    from server.realtime import consumers

    monkeypatch.setattr(consumers, "CATCH_UP_EVERY_S", 0)
    number = report()
    lose = _accept_without_push(cast, number)

    async def scenario():
        ws, _, _ = await connect("leader")
        await ws.receive_json_from()
        assert (await lose()).status_code == 200
        await ws.send_json_to({"type": "ping"})
        got = await until(ws, "pong")
        assert [m.get("event", {}).get("action") for m in got] == ["accept", None]
        await ws.disconnect()

    run(scenario)


def test_ranges_bring_back_a_gap_older_than_the_newest_ids(cast, report, settings, monkeypatch):
    """A push lost in a killed worker, older than the client's newest ``MAX_SEEN`` ids: a full
    ``seen`` bounds the window above it, so it was never re-sent; ``seen_ranges`` name what the
    client holds further back, so the gap in them is re-sent, and nothing they cover is."""
    for _ in range(6):
        report()
    ids = sorted(CaseEvent.objects.values_list("id", flat=True))
    monkeypatch.setattr("server.realtime.replay.MAX_SEEN", 2)  # ids[4:] is a full "seen"
    seen = ids[4:]

    async def scenario(**resume):
        ws, _, _ = await connect("acceptor")
        await ws.receive_json_from()
        await ws.send_json_to({"type": "resume", "after": ids[-1], **resume})
        got = await until(ws, "reset", "resumed")
        await ws.disconnect()
        assert got[-1]["type"] == "resumed"
        return [m["event_id"] for m in got[:-1]]

    # ids[1] is the lost push: held are ids[0] and ids[2] to the cursor.
    holding = [[ids[0], ids[0]], [ids[2], ids[-1]]]
    assert async_to_sync(scenario)(seen=seen) == []  # what an old client gets: not the gap
    assert async_to_sync(scenario)(seen=seen, seen_ranges=holding) == [ids[1]]
    assert async_to_sync(scenario)(seen_ranges=holding) == [ids[1]]  # ranges alone too
    # Holding everything named: nothing again. Below the lowest id named: not the client's.
    assert async_to_sync(scenario)(seen=seen, seen_ranges=[[ids[0], ids[-1]]]) == []
    assert async_to_sync(scenario)(seen_ranges=[[ids[2], ids[-1]]]) == []
    # The window still ends LATE_COMMIT_SECONDS before the cursor's event.
    settings.REALTIME_LATE_COMMIT_SECONDS = 0
    assert async_to_sync(scenario)(seen_ranges=holding) == []

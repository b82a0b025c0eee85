"""The worker's hub (server/realtime/hub.py): sockets that leave are gone from it, an event
reaches a socket once, held events follow what the consumer said first, and a group's access
is still decided at subscribe time. Through the real channel layer (Redis under ``make test``)."""

from __future__ import annotations

import asyncio
import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from server.realtime.groups import CENTER, case_group, dept_group
from server.realtime.hub import MAX_QUEUED, Listener, hub
from tests.server.realtime.conftest import act, listening


def run(coro_fn):
    return async_to_sync(coro_fn)()


async def push(group: str, event_id: int) -> None:
    """What send.py puts on the layer for one group."""
    await get_channel_layer().group_send(group, {
        "type": "case.message", "group": group, "event_id": event_id,
        "text": json.dumps({"type": "case", "event_id": event_id})})


async def ids_until(ws, last: int) -> list[int]:
    """Event ids a socket gets up to ``last``, a sentinel pushed after the rest: proves what did
    not come without waiting for a quiet period."""
    out: list[int] = []
    while not out or out[-1] != last:
        out.append((await ws.receive_json_from(5))["event_id"])
    return out


def listeners(group: str) -> int:
    return len(hub().members.get(group, ()))


def test_sockets_that_leave_are_removed_and_the_last_one_takes_the_group(cast, report):
    number = report()

    async def scenario():
        a, b = await listening("dispatcher"), await listening("leader")
        assert listeners(CENTER) == 2
        await b.send_json_to({"type": "subscribe", "cases": [number]})
        case = (await b.receive_json_from())["groups"][0]
        assert listeners(case) == 1
        await b.disconnect()
        assert listeners(CENTER) == 1 and case not in hub().members
        assert not any(len(m) > 1 for m in hub().members.values())  # b is in none
        await a.disconnect()
        assert hub().members == {}
        # A socket joining again after the group was dropped hears it again.
        c = await listening("acceptor")
        await act(cast["acceptor"], number, "accept")
        assert (await c.receive_json_from(5))["event"]["action"] == "accept"
        await c.disconnect()

    run(scenario)


def test_an_event_reaches_a_socket_once_whatever_carried_it_and_strangers_are_dropped(cast, report):
    number = report()

    async def scenario():
        ws = await listening("leader")
        await ws.send_json_to({"type": "subscribe", "cases": [number]})
        case = (await ws.receive_json_from())["groups"][0]
        # An older worker's message (no group): dropped, and the hub goes on.
        await get_channel_layer().group_send(CENTER, {"type": "case.message", "event_id": 1,
                                                      "text": "{}"})
        for group in (CENTER, case, CENTER):
            await push(group, 900001)
        await push(case, 900002)
        await push(CENTER, 900009)
        assert await ids_until(ws, 900009) == [900001, 900002, 900009]
        await ws.disconnect()

    run(scenario)


def test_unsubscribed_and_refused_groups_bring_nothing(cast, report):
    from server.cases.models import Case

    number = report()
    case = case_group(Case.objects.get(number=number).pk)

    async def scenario():
        leader, dept = await listening("leader"), await listening("dept_roads")
        await leader.send_json_to({"type": "subscribe", "grids": ["110101001001001"]})
        await leader.receive_json_from()
        await leader.send_json_to({"type": "unsubscribe", "grids": ["110101001001001"]})
        assert (await leader.receive_json_from())["groups"] == ["grid.110101001001001"]
        await dept.send_json_to({"type": "subscribe", "cases": [number]})
        assert (await dept.receive_json_from())["refused"] == [number]
        assert "grid.110101001001001" not in hub().members
        await push("grid.110101001001001", 900003)
        await push(case, 900004)
        for group in (CENTER, dept_group("roads")):
            await push(group, 900009)
        assert await ids_until(leader, 900009) == [900009]
        assert await ids_until(dept, 900009) == [900009]
        for ws in (leader, dept):
            await ws.disconnect()

    run(scenario)


def test_a_held_listener_sends_in_order_after_release_and_a_failing_one_stops_nobody():
    async def scenario():
        sent: list[tuple[str, str]] = []

        def sender(name):
            async def send(message):
                if name == "broken":
                    raise ConnectionError("socket gone")
                sent.append((name, message["text"]))
            return send

        h = hub()
        broken, held = Listener(sender("broken")), Listener(sender("held"))
        broken.release()
        for listener in (broken, held):
            h.members.setdefault("g", {})[listener] = None  # as join leaves it, without a layer
        h.fan_out("g", 1, "one")
        h.fan_out("g", 2, "two")
        h.fan_out("g", 1, "one")
        await asyncio.sleep(0.05)
        assert sent == []
        held.release()
        h.fan_out("g", 3, "three")
        await asyncio.sleep(0.05)
        assert sent == [("held", "one"), ("held", "two"), ("held", "three")]
        h.members.clear()

    run(scenario)


def test_a_socket_that_does_not_take_its_events_waits_alone_and_is_closed_when_too_far_behind():
    """An ASGI send may wait (a client that stops reading): the others still get every event at
    once, and past MAX_QUEUED the stuck one is dropped and told so (the consumer closes it)."""

    async def scenario():
        stuck_gate = asyncio.Event()
        got: dict[str, list[int]] = {"stuck": [], "fast": []}
        overflowed: list[str] = []

        def sender(name):
            async def send(message):
                if name == "stuck":
                    await stuck_gate.wait()
                got[name].append(json.loads(message["text"])["n"])
            return send

        h = hub()
        stuck = Listener(sender("stuck"), on_overflow=lambda: overflowed.append("stuck"))
        fast = Listener(sender("fast"), on_overflow=lambda: overflowed.append("fast"))
        for listener in (stuck, fast):
            listener.release()
            h.members.setdefault("g", {})[listener] = None
        for n in range(1, MAX_QUEUED + 3):
            h.fan_out("g", n, json.dumps({"n": n}))
            if n % 100 == 0:
                await asyncio.sleep(0)
        await asyncio.sleep(0.05)
        assert got["fast"] == list(range(1, MAX_QUEUED + 3))
        assert overflowed == ["stuck"] and stuck.closed and not fast.closed
        stuck_gate.set()
        await asyncio.sleep(0.05)
        assert got["stuck"] == []  # its queue was dropped and its sending cancelled
        h.fan_out("g", 99999, json.dumps({"n": 99999}))
        await asyncio.sleep(0.05)
        assert got["stuck"] == [] and got["fast"][-1] == 99999
        h.members.clear()

    run(scenario)

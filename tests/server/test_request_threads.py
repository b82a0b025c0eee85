"""The worker's HTTP plumbing: requests on long-lived threads, and no second form parse."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import ThreadSensitiveContext, sync_to_async

from server.request_threads import RequestThreads

_local = threading.local()
_names = iter(range(10**9))


def thread_name() -> int:
    """A name for the calling thread, never given to another one (idents are reused once a
    thread has ended)."""
    if not hasattr(_local, "name"):
        _local.name = next(_names)
    return _local.name


class SyncApp:
    """An ASGI app whose request runs sync code the way Django's handler does: inside its own
    ThreadSensitiveContext, through thread-sensitive sync_to_async calls."""

    def __init__(self, hold: asyncio.Event | None = None):
        self.threads: list[int] = []
        self.running = 0
        self.most = 0
        self.hold = hold

    async def __call__(self, scope, receive, send):
        async with ThreadSensitiveContext():
            self.running += 1
            self.most = max(self.most, self.running)
            first = await sync_to_async(thread_name)()
            if self.hold is not None:
                await self.hold.wait()
            second = await sync_to_async(thread_name)()
            self.running -= 1
            assert first == second, "one request's sync code ran on two threads"
            self.threads.append(first)


def http(path="/"):
    return {"type": "http", "path": path}


def test_sequential_requests_reuse_one_thread():
    app = SyncApp()
    wrapped = RequestThreads(app, 4)

    async def main():
        for _ in range(10):
            await wrapped(http(), None, None)

    asyncio.run(main())
    assert len(set(app.threads)) == 1
    assert app.threads[0] != thread_name()


def test_without_the_wrapper_every_request_gets_a_new_thread():
    # The behaviour the wrapper exists to change (asgiref's, as Django's handler uses it).
    app = SyncApp()

    async def main():
        for _ in range(5):
            await app(http(), None, None)

    asyncio.run(main())
    assert len(set(app.threads)) == 5


def test_concurrent_requests_wait_for_a_free_thread():
    hold = asyncio.Event()
    app = SyncApp(hold)
    wrapped = RequestThreads(app, 2)

    async def main():
        tasks = [asyncio.create_task(wrapped(http(), None, None)) for _ in range(6)]
        await asyncio.sleep(0.2)
        assert app.running == 2  # the other four wait for a thread
        hold.set()
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert app.most == 2
    assert len(app.threads) == 6 and len(set(app.threads)) == 2


def test_a_cancelled_request_gives_its_thread_back_when_its_view_ends():
    """A client hangs up while its view runs (daphne then cancels the request): later requests
    go to the other thread meanwhile, and the thread returns once the view is done."""
    view_may_end = threading.Event()
    ran = []

    def slow_view():
        view_may_end.wait(10)
        ran.append("slow")

    async def app(scope, receive, send):
        async with ThreadSensitiveContext():
            if scope["path"] == "/slow":
                await sync_to_async(slow_view)()
            else:
                ran.append(await sync_to_async(thread_name)())

    wrapped = RequestThreads(app, 2)

    async def main():
        hung_up = asyncio.create_task(wrapped(http("/slow"), None, None))
        await asyncio.sleep(0.1)
        hung_up.cancel()
        with pytest.raises(asyncio.CancelledError):
            await hung_up
        # The slow view still holds its thread: three quick requests all take the other one.
        for _ in range(3):
            await asyncio.wait_for(wrapped(http(), None, None), 5)
        assert wrapped._free.qsize() == 1
        view_may_end.set()
        for _ in range(50):
            if wrapped._free.qsize() == 2:
                break
            await asyncio.sleep(0.02)
        assert wrapped._free.qsize() == 2

    asyncio.run(main())
    assert ran[:3] == [ran[0]] * 3 and ran[3] == "slow"


def test_websockets_pass_through_untouched():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    wrapped = RequestThreads(app, 1)
    asyncio.run(wrapped({"type": "websocket"}, None, None))
    assert seen == ["websocket"] and wrapped._free is None


def test_at_least_one_thread():
    with pytest.raises(ValueError, match="at least one thread"):
        RequestThreads(SyncApp(), 0)

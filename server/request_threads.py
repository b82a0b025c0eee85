"""Run each HTTP request's synchronous code on one of a few long-lived threads of the worker.

Django's ASGI handler enters a new ``asgiref.ThreadSensitiveContext`` for every request, and
asgiref gives each such context a new thread, shut down when the request ends. Everything a
thread keeps for itself is then built again for every request: Django's connection objects
(each request took a connection from the pool through a new wrapper), pyproj's per-thread PROJ
context for the placement transform (about 1.4 ms), the thread itself.

``RequestThreads`` wraps the HTTP application in an outer ``ThreadSensitiveContext`` whose
executor is one of ours: asgiref (3.13+) lets the outermost context choose the executor and
leaves it running on exit, so Django's own inner context runs the request's sync code (views,
middleware, ``sync_to_async(thread_sensitive=True)``) on our thread. A request waits for a free
thread when all are busy. The default is two per worker (settings.REQUEST_THREADS): two overlap
one request's database waits with another's work, and more only added GIL hand-offs.

Contract:
  * one request at a time per thread, and the whole of one request's sync code on one thread,
    as before (Django's guarantee for thread-sensitive code);
  * a request cancelled while its view still runs (the client hung up) gives its thread back
    when the view has finished, not before: a later request is not queued behind an abandoned
    slow view while other threads are free, and no thread is lost;
  * websockets and lifespan are passed through untouched (Channels runs their database calls
    as before).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext


class RequestThreads:
    def __init__(self, app, threads: int):
        if threads < 1:
            raise ValueError(f"RequestThreads needs at least one thread, not {threads}")
        self.app = app
        self.threads = threads
        self._free: asyncio.LifoQueue[ThreadPoolExecutor] | None = None

    def _pool(self) -> asyncio.LifoQueue[ThreadPoolExecutor]:
        # Made on first use, inside the server's running loop. Last in, first out: under light
        # load one warm thread does all the work.
        if self._free is None:
            self._free = asyncio.LifoQueue()
            for i in range(self.threads):
                self._free.put_nowait(ThreadPoolExecutor(1, thread_name_prefix=f"request-{i}"))
        return self._free

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        free = self._pool()
        executor = await free.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                return await self.app(scope, receive, send)
        except asyncio.CancelledError:
            # The view may still run on the thread: a no-op queued behind it says when it is
            # done (one call at a time per executor), and only then is the thread free again.
            loop = asyncio.get_running_loop()

            def done(_future, executor=executor):
                try:
                    loop.call_soon_threadsafe(free.put_nowait, executor)
                except RuntimeError:  # the loop has closed: the server is stopping
                    pass

            executor.submit(int).add_done_callback(done)
            executor = None
            raise
        finally:
            if executor is not None:
                free.put_nowait(executor)

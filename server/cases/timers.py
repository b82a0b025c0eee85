"""The timer worker: records every traffic-light change (green → yellow at 80 % of a node's
limit, → red past it) as a ``timer`` event soon after it happens.

``sweep(now)`` does one pass; ``run(interval)`` loops; ``in_server(app)`` runs the loop inside
an ASGI server process instead (the embedded default, whose in-memory channel layer only that
process can reach: a timer in a process of its own could record a light change but not push
it). Only one worker may run per database,
whatever the number of servers: on PostgreSQL it holds an advisory lock for its whole life, on
SQLite an exclusive lock on a file beside the database. A second worker waits for the lock, so
it takes over when the first dies.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.utils import timezone

from server.cases.actions import do_timer, due_light_changes

log = logging.getLogger(__name__)
ADVISORY_KEY = 0x64636D74  # "dcmt"
#: A pass every 15 s keeps every light change within 60 s of the moment it happens.
INTERVAL_S = 15.0
#: Inside the server a pass a second: a light change reaches open pages within 2 s.
IN_SERVER_INTERVAL_S = 1.0
#: After the database went away, try again this often (a failover takes seconds).
RETRY_S = 2.0


def sweep(now=None) -> int:
    """Record the light changes due by ``now``; returns how many were recorded."""
    now = now or timezone.now()
    recorded = 0
    for number in list(due_light_changes(now)):
        if do_timer(number, now) is not None:
            recorded += 1
    return recorded


@contextmanager
def single_runner(wait: bool = True):
    """Hold the one-timer-worker lock while the block runs; yields False if ``wait`` is off
    and another worker holds it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            while True:
                cur.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
                if cur.fetchone()[0]:
                    break
                if not wait:
                    yield False
                    return
                time.sleep(2)
        try:
            yield True
        finally:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
    else:
        path = Path(settings.DATABASES["default"]["NAME"]).with_suffix(".timers.lock")
        with path.open("w") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            yield True


def lock_held() -> bool:
    """True while this worker's database session still holds the one-timer-worker lock. A
    session lost with its server (a PostgreSQL failover: the driver then connects to the new
    primary) has lost the lock with it, and another worker may have taken it."""
    if connection.vendor != "postgresql":
        return True  # the file lock lives as long as this process
    with connection.cursor() as cur:
        # A bigint key shows in pg_locks as classid (high 32 bits) and objid (low), objsubid 1.
        cur.execute("SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND "
                    "pid = pg_backend_pid() AND classid::bigint = %s AND objid::bigint = %s "
                    "AND objsubid = 1 AND granted)",
                    [ADVISORY_KEY >> 32, ADVISORY_KEY & 0xFFFFFFFF])
        return cur.fetchone()[0]


def run(interval: float = INTERVAL_S, passes: int | None = None) -> None:
    """Sweep every ``interval`` seconds (for ``passes`` passes, or forever).

    Survives its database going away: waiting for the lock or sweeping, a lost connection is
    closed and the lock waited for again (after a PostgreSQL failover, on the new primary), so
    a worker neither dies nor goes on sweeping without the lock while another takes it."""
    n = 0
    while passes is None or n < passes:
        try:
            with single_runner() as held:
                if not held:
                    return
                while passes is None or n < passes:
                    started = time.monotonic()
                    if not lock_held():
                        log.warning("timer: the lock was lost with the database session; "
                                    "waiting for it again")
                        break
                    try:
                        count = sweep()
                        if count:
                            log.info("timer: %d light changes recorded", count)
                    except Exception:  # keep the worker alive; the next pass retries
                        log.exception("timer sweep failed")
                    n += 1
                    time.sleep(max(0.0, interval - (time.monotonic() - started)))
        except DatabaseError:
            log.exception("timer: database unavailable; retrying in %.0f s", RETRY_S)
            connection.close()
            time.sleep(RETRY_S)


def _sweep_logged() -> None:
    try:
        count = sweep()
        if count:
            log.info("timer: %d light changes recorded", count)
    except Exception:  # keep the loop alive; the next pass retries
        log.exception("timer sweep failed")


async def run_in_server(interval: float = IN_SERVER_INTERVAL_S) -> None:
    """The timer loop as a task of the server's event loop. The lock and every sweep run on one
    thread of their own (the PostgreSQL advisory lock belongs to that thread's connection);
    ``sync_to_async`` runs them there, so each push an action schedules is sent on the server's
    loop, where the in-memory channel layer and the sockets live. Waits for the lock like
    ``run`` (another server or timer worker may hold it)."""
    executor = ThreadPoolExecutor(1, thread_name_prefix="timers")

    def call(fn):
        return sync_to_async(fn, thread_sensitive=False, executor=executor)()

    stack = ExitStack()
    await call(lambda: stack.enter_context(single_runner()))
    try:
        while True:
            started = time.monotonic()
            await call(_sweep_logged)
            await asyncio.sleep(max(0.05, interval - (time.monotonic() - started)))
    finally:
        def release() -> None:
            stack.close()
            connections.close_all()  # this thread's own connection, which held the lock

        await call(release)
        executor.shutdown(wait=False)


def in_server(app, interval: float = IN_SERVER_INTERVAL_S):
    """``app`` that starts ``run_in_server`` on the server's loop with its first connection
    (the servers run here with lifespan off, so no start-up event says when the loop runs)."""
    task: asyncio.Task | None = None

    async def application(scope, receive, send):
        nonlocal task
        if task is None:
            task = asyncio.get_running_loop().create_task(run_in_server(interval))
        return await app(scope, receive, send)

    return application

"""The timer worker: records every traffic-light change (green → yellow at 80 % of a node's
limit, → red past it) as a ``timer`` event soon after it happens.

``sweep(now)`` does one pass; ``run(interval)`` loops. Only one worker may run per database,
whatever the number of servers: on PostgreSQL it holds an advisory lock for its whole life, on
SQLite an exclusive lock on a file beside the database. A second worker waits for the lock, so
it takes over when the first dies.
"""

from __future__ import annotations

import fcntl
import logging
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from server.cases.actions import do_timer, due_light_changes

log = logging.getLogger(__name__)
ADVISORY_KEY = 0x64636D74  # "dcmt"
#: A pass every 15 s keeps every light change within 60 s of the moment it happens.
INTERVAL_S = 15.0


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


def run(interval: float = INTERVAL_S, passes: int | None = None) -> None:
    """Sweep every ``interval`` seconds (for ``passes`` passes, or forever)."""
    with single_runner() as held:
        if not held:
            return
        n = 0
        while passes is None or n < passes:
            started = time.monotonic()
            try:
                count = sweep()
                if count:
                    log.info("timer: %d light changes recorded", count)
            except Exception:  # keep the worker alive; the next pass retries
                log.exception("timer sweep failed")
            n += 1
            time.sleep(max(0.0, interval - (time.monotonic() - started)))

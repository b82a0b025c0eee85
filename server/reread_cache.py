"""A small value every worker must follow (the active map version, the calendar's stamp), read
from the database at most once per ``REREAD_AFTER_S`` outside a transaction.

Each was one query per report: two of a report's six statements, for values that change a few
times a year. Outside a transaction (a handset report's request) a worker now reuses the value
it read less than ``REREAD_AFTER_S`` ago, so an activation or a calendar change reaches every worker
within that time instead of at once: a report in that second is handled as if it had come a
second earlier. Inside a transaction (an action, a test) the value is always read: that
transaction may see other rows than the last read did.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Generic, TypeVar

from django.db import connection

T = TypeVar("T")
#: Seconds a value read outside a transaction is reused.
REREAD_AFTER_S = 1.0


class RereadCache(Generic[T]):
    def __init__(self, read: Callable[[], T], seconds: float = REREAD_AFTER_S):
        self._read, self._seconds = read, seconds
        self._last: tuple[float, T] | None = None  # (monotonic time of the read, value)
        self._lock = threading.Lock()

    def get(self) -> T:
        """The value: the last one read, if read less than ``seconds`` ago and no transaction
        is open; else read now."""
        last = self._last
        if (last is not None and not connection.in_atomic_block
                and time.monotonic() - last[0] < self._seconds):
            return last[1]
        at = time.monotonic()
        value = self._read()
        with self._lock:
            if self._last is None or self._last[0] <= at:
                self._last = (at, value)
        return value

    def forget(self) -> None:
        """Read again on the next ``get`` (after a change made in this process)."""
        with self._lock:
            self._last = None

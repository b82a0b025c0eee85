"""server.reread_cache: a value re-read at most once per window outside a transaction, always
inside one."""

from __future__ import annotations

import pytest
from django.db import connection

from server.reread_cache import RereadCache


def counter():
    reads = []

    def read():
        reads.append(1)
        return len(reads)
    return reads, read


def test_outside_a_transaction_a_value_is_reused_within_the_window(monkeypatch):
    assert not connection.in_atomic_block
    clock = [100.0]
    monkeypatch.setattr("server.reread_cache.time.monotonic", lambda: clock[0])
    reads, read = counter()
    value = RereadCache(read, seconds=1.0)
    assert (value.get(), value.get()) == (1, 1)
    clock[0] += 0.99
    assert value.get() == 1 and len(reads) == 1
    clock[0] += 0.02  # the window has passed: every worker follows a change within it
    assert value.get() == 2
    value.forget()  # a change made in this process is seen at once
    assert value.get() == 3 and len(reads) == 3


@pytest.mark.django_db
def test_inside_a_transaction_the_value_is_always_read():
    assert connection.in_atomic_block
    reads, read = counter()
    value = RereadCache(read, seconds=60)
    assert [value.get() for _ in range(3)] == [1, 2, 3]

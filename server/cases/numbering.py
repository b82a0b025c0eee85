"""Case numbers (案件编号): C (component, 部件) or E (event, 事件), the 4-digit class code
(major + minor), the day as YYYYMMDD and a daily sequence of at least 4 digits, e.g.
``E0101202611230007``; from one counter row per day (``CaseNumberCounter``).

``take_number`` increments the day's counter through the ORM. When no transaction is open (a
report through the intake door), it does so in a short transaction of its own, before the
report's: the counter row's lock is then held for one round trip, not for the whole report.
Held until the report's commit, every report in the city would wait for the previous one's
disk flush (that one lock capped intake at about one report per WAL flush). On PostgreSQL that
short transaction commits without waiting for the disk (``SET LOCAL synchronous_commit``, a
setting of that transaction alone): the report's own commit flushes the WAL up to its commit
record, which includes the earlier counter update, so a durable case always has a durable
counter. The cost: a report that fails after taking its number (a key that raced with its own
retry, a crash before the commit) leaves a gap in the day's sequence. Numbers are unique and
increasing within a day; they are not gap-free. The event log is the record of cases.

Inside a caller's transaction the counter is incremented there, and its lock is held until
that transaction ends.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from server.cases.models import CaseNumberCounter


def prefix_of(kind: str, class_code: str, now: datetime) -> tuple[date, str]:
    day = timezone.localdate(now)
    return day, f"{'C' if kind == 'component' else 'E'}{class_code}{day:%Y%m%d}"


def _next(day: date) -> int:
    """The day's next sequence number (in the caller's transaction)."""
    counters = CaseNumberCounter.objects.filter(day=day)
    if not counters.update(last=F("last") + 1):
        try:
            with transaction.atomic():  # a savepoint: the first report of the day may race
                CaseNumberCounter.objects.create(day=day, last=1)
            return 1
        except IntegrityError:
            counters.update(last=F("last") + 1)
    return counters.values_list("last", flat=True).get()


def take_number(kind: str, class_code: str, now: datetime) -> str:
    """The next case number of ``now``'s day for a case of ``kind`` and ``class_code``; see
    the module docstring for the transaction it runs in."""
    day, prefix = prefix_of(kind, class_code, now)
    if connection.in_atomic_block:
        return f"{prefix}{_next(day):04d}"
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit TO OFF")
        last = _next(day)
    return f"{prefix}{last:04d}"

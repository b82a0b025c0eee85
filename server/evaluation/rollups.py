"""Keeping the per-day rollups current, and rebuilding them from the log.

``record(case, event)`` is called by ``server.cases.actions._event`` right after it appends an
event, inside the action's transaction (so the rollup and the event commit or roll back
together). It replays the case's own log through ``workflows.scoring.fold`` and adds the facts
of the newest event: the same fold the straight computation runs, so both agree by
construction, and a fact may depend on the case's whole history (the dispatch an approved return
counts against, the deadline in force before a feedback).

Only the rows of the facts' days are touched, with an additive upsert; region facts live on
cells only, so no district-wide row becomes a lock every action in the city waits for.

``rebuild_rollups(period)`` recomputes the rows of a period's days from the log (after a bulk
import, or to prove the rollups exact). Both run on SQLite and PostgreSQL (``ON CONFLICT``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Iterator

from django.db import connection, transaction

from server.evaluation.models import DailyRollup
from workflows.scoring import Fact, Period, fold, local_day

TABLE = DailyRollup._meta.db_table
Key = tuple  # (day, kind, entity)


def event_records(rows: Iterable[tuple]) -> Iterator[dict]:
    """(case_id, at, action, actor_id, actor_role, data) rows as the fold's event mappings."""
    for case_id, at, action, actor_id, role, data in rows:
        yield {"case": case_id, "at": at, "action": action, "actor": actor_id, "role": role,
               "data": data}


EVENT_FIELDS = ("case_id", "at", "action", "actor_id", "actor_role", "data")


def rows_of(facts: Iterable[Fact]) -> dict[Key, dict[str, int]]:
    """Facts summed per (local day, kind, entity)."""
    out: dict[Key, dict[str, int]] = defaultdict(dict)
    for f in facts:
        row = out[(local_day(f.at), f.kind, f.entity)]
        row[f.counter] = row.get(f.counter, 0) + f.n
    return out


def upserts(rows: dict[Key, dict[str, int]]) -> list[tuple[str, list]]:
    """The statements that add the rows to the table (insert, or increment the day's row)."""
    qn = connection.ops.quote_name
    out = []
    for (day, kind, entity), counters in rows.items():
        names = [c for c, n in counters.items() if n]
        if not names:
            continue
        cols = ", ".join(qn(c) for c in names)
        sets = ", ".join(f"{qn(c)} = {qn(TABLE)}.{qn(c)} + excluded.{qn(c)}" for c in names)
        out.append((f"INSERT INTO {qn(TABLE)} (day, kind, entity, {cols}) "
                    f"VALUES (%s, %s, %s{', %s' * len(names)}) "
                    f"ON CONFLICT (day, kind, entity) DO UPDATE SET {sets}",
                    [day, kind, entity, *(counters[c] for c in names)]))
    return out


def add(rows: dict[Key, dict[str, int]]) -> None:
    """Add the rows to the table (insert, or increment the existing day's row)."""
    _run(upserts(rows))


def _run(statements: list[tuple[str, list]]) -> None:
    with connection.cursor() as cur:
        for sql, params in statements:
            cur.execute(sql, params)


def first_event_upserts(event) -> list[tuple[str, list]]:
    """The statements ``record(case, event, first=True)`` runs, for a caller that sends them
    with the event's own INSERT (``server.cases.rowwrite``)."""
    return upserts(rows_of(fold(event_records([tuple(getattr(event, f) for f in EVENT_FIELDS)]))))


def record(case, event, *, first: bool = False):
    """Add the facts ``event`` (just appended to ``case``'s log) reveals; returns the event.
    ``first``: the event opens the case's log (a report), so the log is that event alone and
    is not read back."""
    from server.cases.models import CaseEvent

    if first:
        _run(first_event_upserts(event))
        return event
    rows = list(CaseEvent.objects.filter(case_id=case.pk, id__lte=event.pk).order_by("id")
                .values_list(*EVENT_FIELDS))
    last = len(rows) - 1
    add(rows_of(f for f in fold(event_records(rows)) if f.seq == last))
    return event


def rebuild_rollups(period: Period) -> int:
    """Recompute the rows of ``period``'s days from the event log; returns how many rows."""
    from server.cases.models import CaseEvent

    start, end = period.bounds()
    cases = CaseEvent.objects.filter(at__gte=start, at__lt=end).values("case_id").distinct()
    events = (CaseEvent.objects.filter(case_id__in=cases, at__lt=end)
              .order_by("case_id", "id").values_list(*EVENT_FIELDS))
    facts = (f for f in fold(event_records(events.iterator(chunk_size=5000)))
             if f.at >= start)
    rows = rows_of(facts)
    with transaction.atomic():
        DailyRollup.objects.filter(day__gte=period.start, day__lt=period.end).delete()
        DailyRollup.objects.bulk_create(
            [DailyRollup(day=d, kind=k, entity=e, **c) for (d, k, e), c in rows.items()],
            batch_size=2000)
    return len(rows)


__all__ = ["record", "rebuild_rollups", "add", "upserts", "first_event_upserts", "rows_of",
           "event_records"]

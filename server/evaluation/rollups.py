"""Keeping the per-day rollups current, and rebuilding them from the log.

``record(case, event)`` is called by ``server.cases.actions._event`` right after it appends an
event, inside the action's transaction (so the rollup and the event commit or roll back
together). It reads the case's own log through ``workflows.scoring.case_facts`` with and
without the newest event and adds the difference: the same reading the straight computation
runs, so both agree by construction. The difference may touch earlier days (or later ones, a
deadline still to come): a case counts once, at the moment its definition names, and a later
event can move it (an unhappy callback takes a closing back; an approved return takes the case
out of the department's figures). A published period is frozen, so that never changes a
published figure.

Only the rows of the facts' days are touched, each incremented (or created) through the ORM;
region facts live on cells only, so no district-wide row becomes a lock every action in the
city waits for.

``rebuild_rollups(period)`` recomputes the rows of a period's days from the log (after a bulk
import, or to prove the rollups exact). Both run on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Iterable, Iterator

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum

from server.evaluation.models import DailyRollup, MonthlyStock
from server.maps.index import active_zone
from workflows.scoring import (SILENT_ACTIONS, STOCKS, Fact, Period, case_facts, fold,
                               local_day)

Key = tuple  # (day, entity_type, entity)
#: States a case does not leave by itself (a closed one only by a callback, an event).
FINISHED = ("rejected", "voided", "closed", "merged")


def event_records(rows: Iterable[tuple]) -> Iterator[dict]:
    """(case_id, at, action, actor_id, actor_role, data) rows as the fold's event mappings."""
    for case_id, at, action, actor_id, role, data in rows:
        yield {"case": case_id, "at": at, "action": action, "actor": actor_id, "role": role,
               "data": data}


EVENT_FIELDS = ("case_id", "at", "action", "actor_id", "actor_role", "data")


def rows_of(facts: Iterable[Fact], sign: int = 1,
            into: dict[Key, dict[str, int]] | None = None) -> dict[Key, dict[str, int]]:
    """Facts summed per (local day of the active city's time zone, entity type, entity), times
    ``sign``, added ``into``."""
    out: dict[Key, dict[str, int]] = defaultdict(dict) if into is None else into
    zone = active_zone()
    for f in facts:
        row = out[(local_day(f.at, zone), f.entity_type, f.entity)]
        row[f.counter] = row.get(f.counter, 0) + sign * f.n
    return out


def _increment(model, keys: dict, counters: dict[str, int]) -> None:
    """Increment the row of ``keys`` by ``counters``, or create it (in the caller's transaction;
    a savepoint catches the race of two first facts of a row)."""
    row = model.objects.filter(**keys)
    increments = {c: F(c) + n for c, n in counters.items()}
    if row.update(**increments):
        return
    try:
        with transaction.atomic():
            model.objects.create(**keys, **counters)
    except IntegrityError:
        row.update(**increments)


def add(rows: dict[Key, dict[str, int]]) -> None:
    """Add the rows to the table, and their stock deltas to the month's ``MonthlyStock``."""
    for (day, entity_type, entity), counters in rows.items():
        counters = {c: n for c, n in counters.items() if n}
        if not counters:
            continue
        _increment(DailyRollup, {"day": day, "entity_type": entity_type, "entity": entity},
                   counters)
        stocks = {c: n for c, n in counters.items() if c in STOCKS}
        if stocks:
            _increment(MonthlyStock, {"month": day.replace(day=1), "entity_type": entity_type,
                                      "entity": entity}, stocks)


def refresh_monthly_stocks(first: date, last: date) -> int:
    """Recompute the ``MonthlyStock`` rows of the months from ``first``'s to ``last``'s from the
    daily rows (after they were rebuilt); returns how many rows."""
    months = []
    m = first.replace(day=1)
    while m <= last:
        months.append(m)
        m = date(m.year + m.month // 12, m.month % 12 + 1, 1)
    made = []
    for m in months:
        nxt = date(m.year + m.month // 12, m.month % 12 + 1, 1)
        sums = (DailyRollup.objects.filter(day__gte=m, day__lt=nxt)
                .exclude(**{c: 0 for c in STOCKS})
                .values("entity_type", "entity").annotate(**{c: Sum(c) for c in STOCKS}))
        made += [MonthlyStock(month=m, **r) for r in sums if any(r[c] for c in STOCKS)]
    with transaction.atomic():
        MonthlyStock.objects.filter(month__in=months).delete()
        MonthlyStock.objects.bulk_create(made, batch_size=2000)
    return len(made)


def record(case, event, *, first: bool = False):
    """Add the facts ``event`` (just appended to ``case``'s log) reveals; returns the event.
    ``first``: the event opens the case's log (a report), so the log is that event alone and
    is not read back."""
    from server.cases.models import CaseEvent

    if event.action in SILENT_ACTIONS:
        return event
    if first:
        add(rows_of(case_facts(event_records([tuple(getattr(event, f) for f in EVENT_FIELDS)]))))
        return event
    rows = list(CaseEvent.objects.filter(case_id=case.pk, id__lte=event.pk).order_by("id")
                .values_list(*EVENT_FIELDS))
    before = rows_of(case_facts(event_records(rows[:-1])), -1)
    add(rows_of(case_facts(event_records(rows)), 1, before))
    return event


def relevant_cases(period: Period):
    """The cases that can have a fact in ``period``: created before its end, and either touched
    since its start or not finished. A finished case's facts all lie between its report and its
    last event, and its stocks are back to zero at its end; an unfinished one may be counted
    in a stock, or due at a deadline still to come."""
    from server.cases.models import Case

    start, end = period.bounds(active_zone())
    return Case.objects.filter(created_at__lt=end).filter(
        Q(updated_at__gte=start) | ~Q(state__in=FINISHED))


def rebuild_rollups(period: Period) -> int:
    """Recompute the rows of ``period``'s days from the event log; returns how many rows."""
    from server.cases.models import CaseEvent

    start, end = period.bounds(active_zone())
    events = (CaseEvent.objects.filter(case_id__in=relevant_cases(period).values("pk"))
              .order_by("case_id", "id").values_list(*EVENT_FIELDS))
    facts = (f for f in fold(event_records(events.iterator(chunk_size=5000)))
             if start <= f.at < end)
    rows = {k: c for k, c in rows_of(facts).items() if any(c.values())}
    with transaction.atomic():
        DailyRollup.objects.filter(day__gte=period.start, day__lt=period.end).delete()
        DailyRollup.objects.bulk_create(
            [DailyRollup(day=d, entity_type=k, entity=e, **c) for (d, k, e), c in rows.items()],
            batch_size=2000)
        refresh_monthly_stocks(period.start, period.end - timedelta(days=1))
    return len(rows)


__all__ = ["record", "rebuild_rollups", "add", "rows_of", "event_records", "relevant_cases",
           "refresh_monthly_stocks"]

"""Case numbers (案件编号): C/E + major + minor + YYYYMMDD + a daily sequence of at least 4 digits
(DOMAIN.md §3), from one counter row per day (``CaseNumberCounter``).

Two ways to take a number, both unique and increasing within a day:

``take_number_and_ids`` (PostgreSQL, when no transaction is open: intake's reports) takes it
in a transaction of its own before the report's, committed without waiting for the disk
(``synchronous_commit off`` for that one transaction). The counter row's lock is then held for
microseconds. Held until the report's commit (the other way), every report in the city waited
for the previous one's disk flush: that one lock capped intake at about one report per WAL
flush (~50/s here, with 20 of 24 reports waiting on it). Durability is unchanged: the report's
own commit flushes the WAL up to its commit record, which includes the earlier counter
update, so a durable case always has a durable counter. The cost: a report that fails after
taking its number (a key that raced with its own retry, a crash before the commit) leaves a
gap in the day's sequence. Numbers are unique and increasing; they are not gap-free, as with
the database sequences the proprietary systems number by. The event log is the record of
cases, not the sequence.

``number_in_transaction`` (SQLite, and callers that already hold a transaction, such as the
hotline's submit, whose transaction must not be turned asynchronous) takes it as the last
statement of the report's transaction: gap-free, one report at a time.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Sequence

from django.db import connection
from django.utils import timezone

from server.cases.models import Case, CaseNumberCounter


def prefix_of(kind: str, class_code: str, now: datetime) -> tuple:
    day = timezone.localdate(now)
    return day, f"{'C' if kind == 'component' else 'E'}{class_code}{day:%Y%m%d}"


def _upsert_sql() -> str:
    counter = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    return (f"INSERT INTO {counter} (day, last) VALUES (%s, 1) ON CONFLICT (day) "
            f"DO UPDATE SET last = {counter}.last + 1 RETURNING last")


@cache
def _sequence(model) -> str:
    """The name of the sequence behind ``model``'s primary key (PostgreSQL)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_serial_sequence(%s, %s)",
                    [model._meta.db_table, model._meta.pk.column])
        return cur.fetchone()[0]


def take_number_and_ids(kind: str, class_code: str, now: datetime,
                        models: Sequence) -> tuple[str | None, list[int]]:
    """PostgreSQL: ``(number, ids)`` in one statement, ``ids`` the next primary keys of
    ``models`` (for ``server.cases.rowwrite``, whose rows cannot read each other's generated
    keys). The number is taken ahead as the module docstring says: in a transaction of its own
    (this statement, with ``synchronous_commit`` off for it alone), or, when a transaction is
    already open, not at all (None: the caller numbers the case with ``number_in_transaction``).
    Taken keys are never given back: a report that fails leaves gaps, in ids as in numbers."""
    ids = ", ".join("nextval(%s)" for _ in models)
    sequences = [_sequence(m) for m in models]
    with connection.cursor() as cur:
        if connection.in_atomic_block:
            cur.execute(f"SELECT {ids}", sequences)
            return None, list(cur.fetchone())
        day, prefix = prefix_of(kind, class_code, now)
        # One statement outside a transaction is its own transaction, and set_config(...,
        # true) lasts until its end: the commit of this statement alone is asynchronous.
        cur.execute(f"WITH s AS (SELECT set_config('synchronous_commit', 'off', true)), "
                    f"n AS ({_upsert_sql()}) SELECT n.last, {ids} FROM n, s", [day, *sequences])
        last, *taken = cur.fetchone()
    return f"{prefix}{last:04d}", taken


def number_in_transaction(case: Case, now: datetime) -> str:
    """Give ``case`` (saved, in the report's transaction) its number. The counter's row lock is
    held until the commit, and every report waits for it: hence the report's last statement,
    and on PostgreSQL a single one (counter and case row together)."""
    day, prefix = prefix_of(case.kind, case.class_code, now)
    cases = connection.ops.quote_name(Case._meta.db_table)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"WITH n AS ({_upsert_sql()}) UPDATE {cases} SET number = %s || "
                        f"lpad(n.last::text, greatest(4, length(n.last::text)), '0') "
                        f"FROM n WHERE {cases}.id = %s RETURNING {cases}.number",
                        [day, prefix, case.pk])
            case.number = cur.fetchone()[0]
        else:  # SQLite (≥ 3.35 for RETURNING) has no DML in WITH; its writers queue anyway
            cur.execute(_upsert_sql(), [day])
            case.number = f"{prefix}{cur.fetchone()[0]:04d}"
            cur.execute(f"UPDATE {cases} SET number = %s WHERE id = %s", [case.number, case.pk])
    return case.number

"""An action's new rows in one round trip (一次写入): the write of a handset report.

A report is five to seven rows (the case, its first event, the evaluation rollups, the photo and
its raw bytes). Saved one by one through the ORM, with BEGIN and COMMIT, that was eight round
trips to PostgreSQL and, per row, the ORM compiling its INSERT anew: together more than a
third of a worker's CPU per report. Here:

``insert(obj)`` is the INSERT the ORM would send for a model instance (each field's
``pre_save`` and ``get_db_prep_save``, and its placeholder, such as PostGIS's geometry), the SQL
text built once per model. A primary key left None is left to the database.

``write(statements)`` sends them. On PostgreSQL, as ONE statement: each but the last becomes a
data-modifying ``WITH`` of the last, so they all commit or none does, with no BEGIN or COMMIT of
their own (outside a transaction the statement is its own). The rows must not depend on one
another's generated keys (the caller takes its ids ahead, ``numbering.take_number_and_ids``):
the parts of one statement do not see each other's rows, while the foreign keys, checked at the
statement's end, do. It runs on a raw server-binding cursor: bytes travel binary (a photo is
not escaped into the SQL text), the text is not re-parsed on each execute, and psycopg prepares
the statement once it has been seen a few times. Elsewhere (SQLite) the statements run one
after another, in the caller's transaction.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Sequence

import psycopg
from django.db import connection, models
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

Statement = tuple[str, list]


@cache
def _template(model: type[models.Model], with_pk: bool) -> tuple[str, tuple, tuple]:
    """(INSERT text with one ``{}`` per value, fields, fields with their own placeholder)."""
    qn = connection.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if with_pk or not f.primary_key)
    columns = ", ".join(qn(f.column) for f in fields)
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({', '.join(['{}'] * len(fields))})"
    return sql, fields, tuple(hasattr(f, "get_placeholder") for f in fields)


def insert(obj: models.Model) -> Statement:
    """The INSERT of ``obj`` as the ORM would send it. Raises ValueError, as ``save()`` and
    ``bulk_create()`` do, when ``obj`` points at a related object that has no key yet (a
    nullable foreign key would otherwise be stored as NULL); takes the key of one that got it
    since the assignment."""
    obj._prepare_related_fields_for_save(operation_name="insert")
    sql, fields, custom = _template(type(obj), obj.pk is not None)
    placeholders, params = [], []
    for field, own in zip(fields, custom):
        value = field.get_db_prep_save(field.pre_save(obj, True), connection=connection)
        placeholders.append(field.get_placeholder(value, None, connection) if own else "%s")
        params.append(value)
    return sql.format(*placeholders), params


def as_one(statements: Sequence[Statement]) -> Statement:
    """PostgreSQL: the statements as one (see the module docstring), with PostgreSQL's own
    placeholders ($1, $2, ...)."""
    *before, (last_sql, _) = statements
    parts = ", ".join(f"w{i} AS ({sql})" for i, (sql, _) in enumerate(before))
    return (_native(f"WITH {parts} {last_sql}" if before else last_sql),
            [p for _, ps in statements for p in ps])


_PLACEHOLDER = re.compile(r"%[s%]")


@lru_cache(maxsize=256)
def _native(sql: str) -> str:
    """``%s`` → ``$n``, ``%%`` → ``%``. psycopg's own conversion parses the text on every
    execute once a statement has more than 50 parameters (a report has about 90): 5 % of a
    worker's CPU per report. A raw cursor takes the converted text as it is, and the few shapes
    a process writes are converted once."""
    numbers = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda m: f"${next(numbers)}" if m.group() == "%s" else "%", sql)


def write(statements: Sequence[Statement]) -> None:
    """Run ``statements`` (see the module docstring): on PostgreSQL atomic by themselves."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cur:
            for sql, params in statements:
                cur.execute(sql, params)
        return
    sql, params = as_one(statements)
    connection.ensure_connection()
    wrap = CursorDebugWrapper if connection.queries_logged else CursorWrapper
    # Django's own wrapper (query log, execute wrappers, its error translation) around a
    # server-binding cursor of the same connection; raw: the text is already in $n form, and
    # bytes are sent binary.
    with wrap(psycopg.RawCursor(connection.connection), connection) as cur:
        cur.execute(sql, params)

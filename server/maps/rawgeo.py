"""Bulk geometry rows in and out of the database as WKB, on SpatiaLite and PostGIS alike.

The ORM turns every geometry into a GEOSGeometry and, on SpatiaLite, into WKT: fine for a few
rows, slow for the tens of thousands of a city map (and the million of a big one). These two
functions move rows with the geometry as WKB bytes and nothing else in between; the only
backend difference is the SQL function name, kept here so the rest of the code has none.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from django.db import connection

__all__ = ["insert_rows", "select_rows"]

BATCH = 5000


def _functions() -> tuple[str, str]:
    if connection.vendor == "postgresql":
        return "ST_GeomFromWKB", "ST_AsBinary"
    return "GeomFromWKB", "AsBinary"  # SpatiaLite


def insert_rows(model, fields: Sequence[str], rows: Iterable[Sequence], geom_field: str = "geom",
                srid: int = 4326) -> int:
    """Insert ``rows`` (values in ``fields`` order; the geometry as WKB bytes, of the column's
    type: promote polygons to multipolygons first) into ``model``'s table. Returns the count.
    Runs in the caller's transaction."""
    from_wkb, _ = _functions()
    meta = model._meta
    columns = [meta.get_field(f).column for f in fields]
    placeholders = [f"{from_wkb}(%s, {srid})" if f == geom_field else "%s" for f in fields]
    sql = (f"INSERT INTO {connection.ops.quote_name(meta.db_table)} "
           f"({', '.join(connection.ops.quote_name(c) for c in columns)}) VALUES ({', '.join(placeholders)})")
    count = 0
    batch: list[Sequence] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def select_rows(model, fields: Sequence[str], version_id: int, geom_field: str = "geom",
                order_by: str = "code") -> Iterator[tuple]:
    """Rows of ``model`` for one map version, ``fields`` in order, the geometry as WKB bytes."""
    _, as_binary = _functions()
    meta = model._meta
    q = connection.ops.quote_name
    selects = [f"{as_binary}({q(meta.get_field(f).column)})" if f == geom_field else q(meta.get_field(f).column)
               for f in fields]
    sql = (f"SELECT {', '.join(selects)} FROM {q(meta.db_table)} WHERE {q(meta.get_field('version').column)} = %s "
           f"ORDER BY {q(meta.get_field(order_by).column)}")
    geom_at = list(fields).index(geom_field) if geom_field in fields else -1
    with connection.cursor() as cursor:
        cursor.execute(sql, [version_id])
        while True:
            chunk = cursor.fetchmany(BATCH)
            if not chunk:
                return
            for row in chunk:
                if geom_at >= 0 and row[geom_at] is not None:
                    row = (*row[:geom_at], bytes(row[geom_at]), *row[geom_at + 1:])
                yield row

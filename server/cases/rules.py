"""The rules in force: the working calendar (official holidays + the city's overrides in the
database) and the node limits. Rebuilt only when an override changes (one cheap query compares
the overrides' last change: per call inside a transaction, at most once a second outside one,
``server.reread_cache``)."""

from __future__ import annotations

import threading

from django.db import connection

from server.cases.models import CalendarOverride, FilingCondition
from server.reread_cache import RereadCache
from workflows import Rules
from workflows.calendar import WorkingCalendar
from workflows.calendar_data import build
from workflows.limits import Limit, default_node_limits

_lock = threading.Lock()
_cached: tuple[tuple, Rules] | None = None
_STAMP_SQL = ('SELECT count(*), max("updated_at") FROM '
              + connection.ops.quote_name(CalendarOverride._meta.db_table))


def _read_stamp() -> tuple:
    # Plain SQL: this runs for every action, and building the ORM's aggregate cost more than
    # the query.
    with connection.cursor() as cur:
        cur.execute(_STAMP_SQL)
        return tuple(cur.fetchone())


#: The overrides' stamp, re-read at most once a second outside a transaction.
_stamp = RereadCache(_read_stamp)


def current_rules() -> Rules:
    global _cached
    stamp = _stamp.get()
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        overrides = CalendarOverride.objects.values_list("day", "is_workday")
        rules = Rules(calendar=WorkingCalendar(build(overrides)), limits=default_node_limits())
        _cached = (stamp, rules)
        return rules


def condition_for(kind: str, class_code: str, code: str | None) -> FilingCondition | None:
    """The named filing condition of this class, or the class's default when ``code`` is empty;
    None when the name does not belong to the class (the caller refuses the step)."""
    qs = FilingCondition.objects.filter(kind=kind, class_code=class_code, active=True)
    if code:
        return qs.filter(code=code).first()
    return qs.filter(is_default=True).first() or qs.first()


def limit_of(condition: FilingCondition) -> Limit:
    return Limit(condition.limit_value, condition.limit_unit)

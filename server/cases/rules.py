"""The rules in force: the working calendar (the active city's clock and its country's holidays,
``server.maps.index.active_settings``, + the city's overrides in the database) and the node
limits (``workflows/data/node_limits.json`` + the city's ``NodeLimitOverride`` rows). Rebuilt
only when an override changes (two cheap aggregates compare both tables' counts and last
changes: per call inside a transaction, at most once a second outside one,
``server.reread_cache``). Deadlines are computed when a case enters a node and stored with it,
so a changed limit applies to the deadlines set from then on."""

from __future__ import annotations

import logging
import threading

from django.db.models import Count, Max

from server.cases.models import CalendarOverride, FilingCondition, NodeLimitOverride
from server.maps.index import active_settings
from server.reread_cache import RereadCache
from workflows import Rules
from workflows.calendar import WorkingCalendar
from workflows.calendar_data import build
from workflows.limits import Limit, default_node_limits

_lock = threading.Lock()
_cached: tuple[tuple, Rules] | None = None
log = logging.getLogger(__name__)


def _read_stamp() -> tuple:
    """Both override tables' row counts and last changes: a deleted row changes the count, an
    added or edited one the last change."""
    return tuple(
        tuple(model.objects.aggregate(n=Count("pk"), last=Max("updated_at")).values())
        for model in (CalendarOverride, NodeLimitOverride))


#: The overrides' stamp, re-read at most once a second outside a transaction.
_stamp = RereadCache(_read_stamp)


def current_rules() -> Rules:
    global _cached
    city = active_settings()
    stamp = (_stamp.get(), city.time_zone, city.country, city.subdivision)
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        overrides = CalendarOverride.objects.values_list("day", "is_workday")
        calendar = WorkingCalendar(build(overrides, zone=city.time_zone, country=city.country,
                                         subdivision=city.subdivision))
        rules = Rules(calendar=calendar, limits=node_limits())
        _cached = (stamp, rules)
        return rules


def node_limits():
    """The file's node limits with the admin's overrides. A row the rules cannot use (its node
    gone from the file since, a value written past the admin's checks) is logged and skipped,
    so one bad row never stops every action."""
    base = default_node_limits()
    overrides, latest = {}, None
    for row in NodeLimitOverride.objects.all():
        try:
            if row.node not in base.node_names:
                raise ValueError(f"unknown node {row.node!r}")
            overrides[row.node] = Limit(row.value, row.unit)
        except ValueError as exc:
            log.error("node limit override %s skipped: %s", row.pk, exc)
            continue
        latest = max(latest or row.updated_at, row.updated_at)
    if not overrides:
        return base
    return base.with_overrides(overrides, f"admin.{latest:%Y%m%d%H%M%S}")


def condition_for(kind: str, class_code: str, code: str | None) -> FilingCondition | None:
    """The named filing condition of this class, or the class's default when ``code`` is empty;
    None when the name does not belong to the class (the caller refuses the step)."""
    qs = FilingCondition.objects.filter(kind=kind, class_code=class_code, active=True)
    if code:
        return qs.filter(code=code).first()
    return qs.filter(is_default=True).first() or qs.first()


def limit_of(condition: FilingCondition) -> Limit:
    return Limit(condition.limit_value, condition.limit_unit)

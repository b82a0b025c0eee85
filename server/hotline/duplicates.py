"""Possible duplicates of a report not saved yet (疑似重复, dry run).

``server.cases.duplicates.possible_duplicates`` takes a stored case; the call-taker needs the
answer before saving, for a hypothetical (kind, class, point, time). Same rules, same data
(``workflows/data/duplicate_rules.json``), same metres (gis.frames), any channel.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from server.cases.duplicates import SAME_CLASS_NEARBY, SAME_COMPONENT, rules
from server.cases.models import Case
from server.maps.index import active_metric
from workflows.states import FINAL_STATES


def duplicates_at(kind: str, class_code: str, lon: float, lat: float,
                  when: datetime | None = None, component_code: str = "",
                  limit: int = 10) -> list[tuple[Case, float, str]]:
    """(case, distance in metres, why) for each open case a report of ``kind``/``class_code``
    at (lon, lat) made at ``when`` (default now) may duplicate, nearest first; ``why`` is a
    code (``SAME_COMPONENT`` or ``SAME_CLASS_NEARBY``) the page names in its language."""
    r = rules()
    when = when or timezone.now()
    window = timedelta(hours=r["window_hours"])
    near = Q(kind=kind, class_code=class_code, created_at__gte=when - window,
             created_at__lte=when + window)
    same_component = Q(component_code=component_code) if component_code else Q(pk=None)
    candidates = (Case.objects.exclude(state__in=[s.value for s in FINAL_STATES])
                  .filter(near | same_component))
    metric = active_metric()  # the city's frame: true metres anywhere
    here = metric.to_metres(lon, lat)
    out = []
    for other in candidates[:500]:
        distance = math.dist(here, metric.to_metres(other.location.x, other.location.y))
        if component_code and other.component_code == component_code:
            out.append((other, distance, SAME_COMPONENT))
        elif distance <= r["distance_m"]:
            out.append((other, distance, SAME_CLASS_NEARBY))
    out.sort(key=lambda t: t[1])
    return out[:limit]


def as_json(found: list[tuple[Case, float, str]]) -> list[dict]:
    """The shape the case API uses for duplicates (``/api/cases/<n>/duplicates/``)."""
    return [{"number": c.number, "state": c.state, "channel": c.channel, "kind": c.kind,
             "class_code": c.class_code, "distance_m": round(d, 1), "why": why,
             "created_at": c.created_at.isoformat()} for c, d, why in found]

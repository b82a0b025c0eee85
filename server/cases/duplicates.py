"""Possible duplicates (疑似重复) of a case: open cases on the same component, or of the same
kind and class nearby and recent, across channels. The distance and window are data
(``workflows/data/duplicate_rules.json``). Distances are computed in metres in the active
city's frame with gis.frames, so SpatiaLite and PostGIS give the same answer."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from django.db.models import Q

from server.cases.models import Case
from server.maps.index import active_metric
from workflows.states import FINAL_STATES

RULES = Path(__file__).resolve().parents[2] / "workflows" / "data" / "duplicate_rules.json"
#: Why a case may be a duplicate: codes, not words. The API sends them as ``why``; a page
#: names them in its reader's language (the JS catalog: "same component", "same class nearby").
SAME_COMPONENT = "same_component"
SAME_CLASS_NEARBY = "same_class_nearby"


@lru_cache(maxsize=1)
def rules() -> dict:
    return json.loads(RULES.read_text(encoding="utf-8"))


def possible_duplicates(case: Case, limit: int = 10) -> list[tuple[Case, float, str]]:
    """(case, distance in metres, why) for each open case this one may duplicate, nearest
    first; ``why`` is ``SAME_COMPONENT`` or ``SAME_CLASS_NEARBY``. A case never duplicates
    itself or a case already merged."""
    r = rules()
    window = timedelta(hours=r["window_hours"])
    x, y = case.location.x, case.location.y
    near = Q(kind=case.kind, class_code=case.class_code,
             created_at__gte=case.created_at - window, created_at__lte=case.created_at + window)
    same_component = Q(component_code=case.component_code) if case.component_code else Q(pk=None)
    candidates = (Case.objects.exclude(pk=case.pk)
                  .exclude(state__in=[s.value for s in FINAL_STATES])
                  .filter(near | same_component))
    metric = active_metric()  # the city's frame: true metres anywhere
    here = metric.to_metres(x, y)
    out = []
    for other in candidates[:500]:
        there = metric.to_metres(other.location.x, other.location.y)
        distance = math.dist(here, there)
        if case.component_code and other.component_code == case.component_code:
            out.append((other, distance, SAME_COMPONENT))
        elif distance <= r["distance_m"]:
            out.append((other, distance, SAME_CLASS_NEARBY))
    out.sort(key=lambda t: t[1])
    return out[:limit]

"""Evaluation API (token or session auth): rankings, the cases behind a counter, exports.

GET /api/evaluation/rankings/?kind=&period=&date=   one entity type's table (no kind: every table)
GET /api/evaluation/cases/?kind=&entity=&counter=&period=&date=   drill-down
GET /api/evaluation/export/?fmt=csv|xlsx&kind=&period=&date=      the tables as a file
Errors answer ``{"error": {...}}`` like the rest of the API (403 for roles that may not read).
Rankings and exports name the evaluation rules they were computed with (``rules_version`` and
the rules' content hash ``rules_digest``).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from server.api_errors import ApiError
from server.evaluation import exports, selectors
from server.accounts.access import RankingScope
from server.evaluation.params import (BadRequest, Forbidden, entity_type_from, period_from,
                                      period_json, require_entity, require_scope)
from workflows.scoring import ALL_COUNTERS
from workflows.scoring_rules import default_evaluation_rules

PERIOD_PARAMS = [
    OpenApiParameter("period", str, description="day | week | month (default) | custom"),
    OpenApiParameter("date", str, description="a day in the period (YYYY-MM-DD; YYYY-MM)"),
    OpenApiParameter("start", str, description="custom: first day"),
    OpenApiParameter("end", str, description="custom: last day (included)"),
    OpenApiParameter("kind", str, description="supervisor, acceptor, duty_chief, dispatcher, "
                     "department, cell, community, street, district"),
]


def _guard(fn):
    """Turn the shared access errors into the API's error shape."""
    def wrapper(self, request, *args, **kwargs):
        try:
            return fn(self, request, *args, **kwargs)
        except BadRequest as exc:
            raise ApiError("invalid", str(exc)) from None
        except Forbidden as exc:
            raise PermissionDenied(str(exc)) from None
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def ranking_table(entity_type: str, current, previous, scope: RankingScope, label=None) -> dict:
    """One entity type's ranking table as the API sends it (``kind`` is its wire name)."""
    rules = default_evaluation_rules()
    group, spec = rules.group_of(entity_type), rules.entity_type(entity_type)
    return {"kind": entity_type, "zh": spec.zh, "en": spec.en, "min_volume": spec.min_volume,
            "volume_counter": group.volume,
            "rates": [{"name": r.name, "zh": r.zh, "en": r.en} for r in group.rates.values()],
            "rows": selectors.ranking(current, previous, entity_type, label, only=scope.only)}


def tables(request, scope: RankingScope, entity_type: str | None):
    period = period_from(request.query_params)
    source = request.query_params.get("source") or "rollups"
    if source not in ("rollups", "straight") or (source == "straight" and not scope.whole_city):
        raise BadRequest("'source' must be rollups or straight (centres only)")
    current = selectors.scores(period, source)
    previous = selectors.scores(period.previous(), source)
    label = selectors.names()
    entity_types = [entity_type] if entity_type else list(scope.entity_types)
    return period, current, [ranking_table(k, current, previous, scope, label)
                             for k in entity_types]


class RankingsView(APIView):
    @extend_schema(summary="Evaluation rankings (综合评价排名) with trends against the previous "
                   "period", tags=["evaluation"], parameters=PERIOD_PARAMS, responses={200: dict})
    @_guard
    def get(self, request):
        scope = require_scope(request.user)
        entity_type = entity_type_from(request.query_params, scope, default=None)
        period, current, found = tables(request, scope, entity_type)
        return Response({"period": period_json(period),
                         "previous": period_json(period.previous()),
                         "rules_version": current.rules_version,
                         "rules_digest": current.rules_digest, "tables": found})


class CasesBehindView(APIView):
    @extend_schema(summary="The cases behind one counter of one entity (下钻)",
                   tags=["evaluation"], responses={200: dict}, parameters=PERIOD_PARAMS + [
                       OpenApiParameter("entity", str), OpenApiParameter("counter", str)])
    @_guard
    def get(self, request):
        scope = require_scope(request.user)
        params = request.query_params
        entity_type = entity_type_from(params, scope)
        entity, counter = params.get("entity") or "", params.get("counter") or ""
        if not entity:
            raise BadRequest("'entity' is required")
        if counter not in ALL_COUNTERS + ("missed",):
            raise BadRequest(f"'counter' must be one of: {', '.join(ALL_COUNTERS)}")
        require_entity(scope, entity_type, entity)
        period = period_from(params)
        rows = selectors.cases_behind(period, entity_type, entity, counter)
        return Response({"period": period_json(period), "kind": entity_type, "entity": entity,
                         "counter": counter, "count": sum(r["n"] for r in rows),
                         "cases": rows})


class ExportView(APIView):
    @extend_schema(summary="The ranking tables as CSV or XLSX (导出)", tags=["evaluation"],
                   parameters=PERIOD_PARAMS + [OpenApiParameter("fmt", str,
                                                                description="csv or xlsx")],
                   responses={(200, "text/csv"): bytes})
    @_guard
    def get(self, request):
        scope = require_scope(request.user)
        entity_type = entity_type_from(request.query_params, scope, default=None)
        fmt = request.query_params.get("fmt") or "csv"
        if fmt not in ("csv", "xlsx"):
            raise BadRequest("'fmt' must be csv or xlsx")
        period, current, found = tables(request, scope, entity_type)
        return exports.response(fmt, period, found, current)

"""Evaluation API (token or session auth): rankings, the cases behind a counter, exports.

GET /api/evaluation/rankings/?kind=&period=&date=   one entity type's table (no kind: every table)
GET /api/evaluation/cases/?kind=&entity=&counter=&period=&date=   drill-down
GET /api/evaluation/export/?fmt=csv|xlsx&kind=&period=&date=      the tables as a file
POST /api/evaluation/publish/ {date: YYYY-MM, note}   freeze a month (leaders)
Errors answer ``{"error": {...}}`` like the rest of the API (403 for roles that may not read).
Rankings and exports name the evaluation rules they were computed with (``rules_version`` and
the rules' content hash ``rules_digest``) and, for a published month, the revision
(``published``; ``?revision=N`` reads an earlier one). An unpublished period is computed live
(``published`` is null).
"""

from __future__ import annotations

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from server.api_errors import ApiError
from server.accounts import access
from server.accounts.access import Ability, RankingScope
from server.evaluation import exports, publishing, selectors
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


def ranking_table(entity_type: str, current, previous, scope: RankingScope, label=None,
                  rules=None) -> dict:
    """One entity type's ranking table as the API sends it (``kind`` is its wire name), named
    by ``rules`` (a published month's own; default: the rules in force)."""
    rules = rules or default_evaluation_rules()
    group, spec = rules.group_of(entity_type), rules.entity_type(entity_type)
    return {"kind": entity_type, "zh": spec.zh, "en": spec.en, "min_volume": spec.min_volume,
            "volume_counter": group.volume,
            "rates": [{"name": r.name, "zh": r.zh, "en": r.en} for r in group.rates.values()],
            "rows": selectors.ranking(current, previous, entity_type, label, only=scope.only)}


def revision_from(params) -> int | None:
    text = params.get("revision") or ""
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise BadRequest(f"'revision' must be a revision number like 1, not {text!r}")
    return int(text)


def tables(request, scope: RankingScope, entity_type: str | None):
    """(period, scores, tables, publication or None) of the request."""
    params = request.query_params
    period = period_from(params)
    source = params.get("source") or "rollups"
    if source not in ("rollups", "straight") or (source == "straight" and not scope.whole_city):
        raise BadRequest("'source' must be rollups or straight (centres only)")
    current, rules, pub = publishing.scores_for(period, source, revision_from(params))
    previous, _, _ = publishing.scores_for(period.previous(), source)
    label = selectors.names()
    entity_types = [entity_type] if entity_type else list(scope.entity_types)
    return period, current, [ranking_table(k, current, previous, scope, label, rules)
                             for k in entity_types], pub


class RankingsView(APIView):
    @extend_schema(summary="Evaluation rankings (综合评价排名) with trends against the previous "
                   "period", tags=["evaluation"], parameters=PERIOD_PARAMS, responses={200: dict})
    @_guard
    def get(self, request):
        scope = require_scope(request.user)
        entity_type = entity_type_from(request.query_params, scope, default=None)
        period, current, found, pub = tables(request, scope, entity_type)
        return Response({"period": period_json(period),
                         "previous": period_json(period.previous()),
                         "rules_version": current.rules_version,
                         "rules_digest": current.rules_digest, "graded": current.graded,
                         "published": publishing.about(pub, period), "tables": found})


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
        period, current, found, pub = tables(request, scope, entity_type)
        return exports.response(fmt, period, found, current, pub)


class PublishView(APIView):
    @extend_schema(summary="Publish a month's rankings (发布): freeze its figures with the rules "
                   "in force; a correction is a new revision", tags=["evaluation"],
                   request=dict, responses={201: dict})
    @_guard
    def post(self, request):
        if not access.may(request.user, Ability.PUBLISH_RANKINGS):
            raise Forbidden(gettext("Publishing rankings is for %(who)s.")
                            % {"who": access.who_may(Ability.PUBLISH_RANKINGS)})
        data = request.data
        if not hasattr(data, "get"):
            raise BadRequest("send an object: {\"date\": \"2026-11\", \"note\": \"...\"}")
        text = str(data.get("date") or "")
        if len(text) != 7:
            raise BadRequest("'date' must name the month to publish, like 2026-11")
        period = period_from({"period": "month", "date": text})
        pub = publishing.publish(period, request.user, str(data.get("note") or ""))
        return Response({"period": period_json(period), **publishing.about(pub, period)},
                        status=201)

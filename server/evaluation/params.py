"""The period and table a request names, and the refusals of what it may not read. Shared by
the API, the pages and the exports.

Who may read which tables and rows is ``server.accounts.access.ranking_scope`` (leaders and the
centre roles: everything; a department user: only the department table, only its own row and
the cases behind it; everyone else: nothing); here its answer becomes ``Forbidden``.

Period parameters: ``period`` = day | week | month | custom (default month); ``date`` = any day
in it (YYYY-MM-DD, or YYYY-MM for a month; default today); custom: ``start`` and ``end``
(both days included).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext

from server.maps.index import active_zone

from server.accounts import access
from server.accounts.access import RankingScope
from server.params import ParamError, parse_day
from workflows.scoring import Period
from workflows.scoring_rules import default_evaluation_rules

MAX_CUSTOM_DAYS = 366


class BadRequest(ValueError):
    """A parameter that cannot be read; the message says which and why."""


class Forbidden(Exception):
    """A table, row or page the user's ``RankingScope`` does not include; the message says so."""


def require_scope(user, *, whole_city: bool = False) -> RankingScope:
    """``user``'s ranking scope; Forbidden for a user without one, and with ``whole_city``
    (the bulletin) for one limited to a row."""
    scope = access.ranking_scope(user)
    if scope is None:
        raise Forbidden(gettext("Evaluation is for leaders, the centres and departments."))
    if whole_city and not scope.whole_city:
        raise Forbidden(gettext("The monthly bulletin is for leaders and the centres."))
    return scope


def require_entity(scope: RankingScope, entity_type: str, entity: str) -> None:
    """Forbidden unless ``scope`` may read row ``entity`` of table ``entity_type`` (and the cases
    behind it)."""
    if not scope.may_read(entity_type, entity):
        raise Forbidden(gettext("A department sees only its own figures and cases."))


def _day(text: str, name: str) -> date:
    # In the system's range of days (server.params): a period, its predecessors and the trend
    # months before it are computed from it and must not run off the calendar.
    try:
        return parse_day(text, name)
    except ParamError as exc:
        raise BadRequest(exc.error["message"]) from None


def period_from(params) -> Period:
    period_type = params.get("period") or "month"
    text = params.get("date") or ""
    if period_type == "month" and len(text) == 7:
        text += "-01"
    anchor = _day(text, "date") if text else timezone.localdate(timezone=active_zone())
    if period_type == "day":
        return Period.day(anchor)
    if period_type == "week":
        return Period.week(anchor)
    if period_type == "month":
        return Period.month(anchor.year, anchor.month)
    if period_type == "custom":
        start = _day(params.get("start") or "", "start")
        end = _day(params.get("end") or "", "end")
        if end < start:
            raise BadRequest("'end' must not be before 'start'")
        if (end - start).days >= MAX_CUSTOM_DAYS:
            raise BadRequest(f"a custom period may span at most {MAX_CUSTOM_DAYS} days")
        return Period(start, end + timedelta(days=1))
    raise BadRequest("'period' must be day, week, month or custom")


def entity_type_from(params, scope: RankingScope,
                     default: str | None = "department") -> str | None:
    """The entity type of the ``kind`` query parameter (its wire name), checked against the
    rules and ``scope``."""
    entity_type = params.get("kind") or default
    if entity_type is None:
        return None
    if entity_type not in default_evaluation_rules().entity_types:
        raise BadRequest(f"'kind' must be one of: "
                         f"{', '.join(default_evaluation_rules().entity_types)}")
    if not scope.may_read(entity_type):
        raise Forbidden("a department sees only the department table (部门只能查看本部门)")
    return entity_type


def period_json(p: Period) -> dict:
    return {"label": p.label, "start": p.start.isoformat(),
            "end": (p.end - timedelta(days=1)).isoformat(), "days": p.days, "name": str(p)}

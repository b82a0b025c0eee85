"""Who may read which rankings, and the period a request names. Shared by the API and pages.

Leaders and the centre roles read everything; a department user reads only the department
table and only its own row (and the cases behind it); everyone else is refused.

Period parameters: ``period`` = day | week | month | custom (default month); ``date`` = any day
in it (YYYY-MM-DD, or YYYY-MM for a month; default today); custom: ``start`` and ``end``
(both days included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from server.cases.selectors import CENTER_ROLES
from workflows import Role
from workflows.scoring import Period
from workflows.scoring_rules import default_evaluation_rules

MAX_CUSTOM_DAYS = 366


class BadRequest(ValueError):
    """A parameter that cannot be read; the message says which and why."""


class Forbidden(Exception):
    pass


@dataclass(frozen=True)
class Scope:
    kinds: tuple[str, ...]  # kinds this user may read
    only: str | None = None  # the one department row a department user may see


def scope_of(user) -> Scope:
    role = Role(user.role) if getattr(user, "role", "") else None
    kinds = tuple(default_evaluation_rules().kinds)
    if role in CENTER_ROLES:
        return Scope(kinds)
    if role == Role.DEPARTMENT and user.department_id:
        return Scope(("department",), user.department.code)
    raise Forbidden("evaluation is for leaders, the centres and departments "
                    "(综合评价仅对领导、监督指挥中心和专业部门开放)")


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"'{name}' must be a date like 2026-11-30, not {text!r}") from None


def period_from(params) -> Period:
    kind = params.get("period") or "month"
    text = params.get("date") or ""
    if kind == "month" and len(text) == 7:
        text += "-01"
    anchor = _day(text, "date") if text else timezone.localdate()
    if kind == "day":
        return Period.day(anchor)
    if kind == "week":
        return Period.week(anchor)
    if kind == "month":
        return Period.month(anchor.year, anchor.month)
    if kind == "custom":
        start = _day(params.get("start") or "", "start")
        end = _day(params.get("end") or "", "end")
        if end < start:
            raise BadRequest("'end' must not be before 'start'")
        if (end - start).days >= MAX_CUSTOM_DAYS:
            raise BadRequest(f"a custom period may span at most {MAX_CUSTOM_DAYS} days")
        return Period(start, end + timedelta(days=1))
    raise BadRequest("'period' must be day, week, month or custom")


def kind_from(params, scope: Scope, default: str | None = "department") -> str | None:
    kind = params.get("kind") or default
    if kind is None:
        return None
    if kind not in default_evaluation_rules().kinds:
        raise BadRequest(f"'kind' must be one of: {', '.join(default_evaluation_rules().kinds)}")
    if kind not in scope.kinds:
        raise Forbidden("a department sees only the department table (部门只能查看本部门)")
    return kind


def period_json(p: Period) -> dict:
    return {"label": p.label, "start": p.start.isoformat(),
            "end": (p.end - timedelta(days=1)).isoformat(), "days": p.days, "name": str(p)}

"""Reading cases: the one summary shape shared by the API list and the websocket payloads (so a
console renders a pushed case exactly like a fetched one). Which cases a user may see is
``server.accounts.access.visible_cases``."""

from __future__ import annotations

from typing import Any

from server.accounts import access
from server.accounts.models import User
from server.cases.models import Case
from workflows import CaseSnapshot, State, allowed_actions


def case_summary(case: Case, for_user: User | None = None) -> dict[str, Any]:
    """A case as consoles show it. ``actions`` (buttons) is included when ``for_user`` is given."""
    state = State(case.state)
    data: dict[str, Any] = {
        "number": case.number,
        "kind": case.kind,
        "class_code": case.class_code,
        "channel": case.channel,
        "state": state.value,
        "state_zh": state.zh,
        "description": case.description,
        "lon": case.location.x,
        "lat": case.location.y,
        "cell_code": case.cell_code,
        "community_code": case.community_code,
        "street_code": case.street_code,
        "component_code": case.component_code,
        "department_code": case.department.code if case.department_id else None,
        "department_name": case.department.name if case.department_id else None,
        "assignee_id": case.assignee_id,
        "verified": case.verified,
        "condition_code": case.condition_code,
        "node": case.node,
        "light": case.light,
        "deadline": _iso(case.deadline),
        "handle_deadline": _iso(case.handle_deadline),
        "original_handle_deadline": _iso(case.original_handle_deadline),
        "closing_type": case.closing_type,
        "merged_into": case.merged_into,
        "satisfaction": case.satisfaction,
        "rework_count": case.rework_count,
        "return_count": case.return_count,
        "postpone_count": case.postpone_count,
        "suspend_count": case.suspend_count,
        "reopen_count": case.reopen_count,
        "version": case.version,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }
    role = access.role_of(for_user)
    if role is not None:
        data["actions"] = [a.value for a in allowed_actions(CaseSnapshot(state=state), role)]
    return data


def _iso(value):
    return value.isoformat() if value else None

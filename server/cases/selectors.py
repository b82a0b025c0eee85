"""Reading cases: what a user may see, and the one summary shape shared by the API list and the
websocket payloads (so a console renders a pushed case exactly like a fetched one)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from server.accounts.models import User
from server.cases.models import Case
from workflows import CaseSnapshot, Role, State, allowed_actions

CENTER_ROLES = {Role.ACCEPTOR, Role.DUTY_CHIEF, Role.DISPATCHER, Role.LEADER, Role.CALL_TAKER}


def visible_cases(user: User) -> QuerySet[Case]:
    """Cases ``user`` may read. Department users see only cases sent to their department;
    supervisors see what they reported and cases waiting for a check (核查); the centres and
    leaders see all; a user without a role sees nothing."""
    qs = Case.objects.select_related("department", "reporter")
    role = Role(user.role) if user.role else None
    if role in CENTER_ROLES:
        return qs
    if role == Role.DEPARTMENT:
        return qs.filter(department_id=user.department_id)
    if role == Role.SUPERVISOR:
        return qs.filter(Q(reporter=user) | Q(state=State.CHECKING.value))
    return qs.none()


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
        "rework_count": case.rework_count,
        "deadline": case.deadline.isoformat() if case.deadline else None,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }
    if for_user is not None and for_user.role:
        snap = CaseSnapshot(state=state, department_code=data["department_code"])
        data["actions"] = [a.value for a in allowed_actions(snap, Role(for_user.role))]
    return data

"""The stored case ↔ ``workflows.CaseSnapshot``: one column per snapshot field, except the
department (a foreign key; the snapshot holds its code) and the assignee and reporter (ids)."""

from __future__ import annotations

from typing import Any, Mapping

from server.accounts.models import Department
from server.cases.models import Case
from workflows import CaseSnapshot, State
from workflows.case import SNAPSHOT_FIELDS

_SPECIAL = {"state", "department_code", "assignee_id", "reporter_id"}


def snapshot_of(case: Case) -> CaseSnapshot:
    values: dict[str, Any] = {f: getattr(case, f) for f in SNAPSHOT_FIELDS if f not in _SPECIAL}
    return CaseSnapshot(state=State(case.state),
                        department_code=case.department.code if case.department_id else None,
                        assignee_id=case.assignee_id, reporter_id=case.reporter_id, **values)


def apply_changes(case: Case, changes: Mapping[str, Any]) -> list[str]:
    """Set the case's columns from a decision's changes (unknown department codes were refused
    before the decision was made, so the lookup here cannot miss). Returns the names of the
    model fields set, for ``save(update_fields=...)``."""
    for name, value in changes.items():
        if name == "state":
            case.state = State(value).value
        elif name == "department_code":
            case.department = Department.objects.get(code=value) if value else None
        else:
            setattr(case, name, value)
    return ["department" if name == "department_code" else name for name in changes]

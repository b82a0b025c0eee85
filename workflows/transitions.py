"""The transition table and the one pure function that applies it.

``decide(case, action, actor, now, params)`` answers with a ``Decision`` (the new state, the
field changes, the node deadline) or raises ``Refused`` saying why. The table is data: each row
names the action, the states it may start from, the outcome it leads to, the roles that may take
it and the guards that must hold. ``docs/workflow.md`` is rendered from it
(``python -m workflows.render``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from workflows.limits import node_limit_minutes
from workflows.states import FINAL_STATES, Action, Role, State


@dataclass(frozen=True)
class CaseSnapshot:
    """What the rules need to know about a case; built by the caller from its store."""

    state: State
    department_code: str | None = None
    rework_count: int = 0
    reporter_id: int | None = None


@dataclass(frozen=True)
class Actor:
    """Who acts: a user id, one role, and the department for department users."""

    id: int
    role: Role
    department_code: str | None = None


@dataclass(frozen=True)
class Decision:
    """The outcome of an allowed step. ``changes`` lists case fields to set besides the state;
    ``deadline`` is when the node entered now must be done (None for final states)."""

    action: Action
    from_state: State | None
    to_state: State
    deadline: datetime | None
    changes: Mapping[str, Any] = field(default_factory=dict)


class Refused(Exception):
    """A step the rules do not allow. ``code`` is stable for clients; ``status`` is the HTTP
    status an API should answer with (403 wrong role or department, 409 wrong state, 400 bad
    parameters); ``message`` says why in words a person can act on."""

    def __init__(self, code: str, message: str, status: int, *, state: State | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.state = state


# A guard looks at the case, the actor and the parameters and returns a reason to refuse, or None.
Guard = Callable[[CaseSnapshot, Actor, Mapping[str, Any]], "str | None"]


def own_department(case: CaseSnapshot, actor: Actor, params: Mapping[str, Any]) -> str | None:
    if actor.department_code != case.department_code:
        return f"case is assigned to department {case.department_code!r}, not to yours"
    return None


def _required_text(name: str) -> Guard:
    def guard(case: CaseSnapshot, actor: Actor, params: Mapping[str, Any]) -> str | None:
        value = params.get(name)
        if not isinstance(value, str) or not value.strip():
            return f"'{name}' is required"
        return None

    guard.__name__ = f"requires_{name}"
    return guard


def has_photo(case: CaseSnapshot, actor: Actor, params: Mapping[str, Any]) -> str | None:
    if int(params.get("photo_count") or 0) < 1:
        return "'photo' is required: a photo of the site"
    return None


def other_department(case: CaseSnapshot, actor: Actor, params: Mapping[str, Any]) -> str | None:
    if params.get("department_code") == case.department_code and case.department_code:
        return f"case is already with department {case.department_code!r}"
    return None


requires_reason = _required_text("reason")
requires_department = _required_text("department_code")


@dataclass(frozen=True)
class Transition:
    """One row of the table. ``outcome`` distinguishes rows of the same action that lead to
    different states (a check that passes or fails); it is matched against ``params['result']``."""

    action: Action
    sources: frozenset[State]
    target: State
    roles: frozenset[Role]
    guards: tuple[Guard, ...] = ()
    outcome: str | None = None
    changes: Callable[[CaseSnapshot, Mapping[str, Any]], Mapping[str, Any]] | None = None


def _row(action, sources, target, roles, guards=(), outcome=None, changes=None) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), tuple(guards),
                      outcome, changes)


S, A, R = State, Action, Role
TRANSITIONS: tuple[Transition, ...] = (
    _row(A.REPORT, [], S.REPORTED, [R.SUPERVISOR, R.CALL_TAKER, R.ACCEPTOR]),
    _row(A.ACCEPT, [S.REPORTED], S.ACCEPTED, [R.ACCEPTOR]),
    _row(A.REJECT, [S.REPORTED], S.REJECTED, [R.ACCEPTOR], [requires_reason]),
    _row(A.FILE, [S.ACCEPTED], S.FILED, [R.DUTY_CHIEF]),
    _row(A.VOID, [S.ACCEPTED], S.VOIDED, [R.DUTY_CHIEF], [requires_reason]),
    _row(A.DISPATCH, [S.FILED], S.DISPATCHED, [R.DISPATCHER], [requires_department],
         changes=lambda case, p: {"department_code": p["department_code"]}),
    _row(A.DEPT_ACCEPT, [S.DISPATCHED], S.HANDLING, [R.DEPARTMENT], [own_department]),
    _row(A.FEEDBACK, [S.HANDLING], S.HANDLED, [R.DEPARTMENT], [own_department, has_photo]),
    _row(A.REQUEST_CHECK, [S.HANDLED], S.CHECKING, [R.ACCEPTOR]),
    _row(A.CHECK, [S.CHECKING], S.CHECKED, [R.SUPERVISOR], [has_photo], outcome="fixed"),
    # A failed check sends the case back to the same department as rework (返工).
    _row(A.CHECK, [S.CHECKING], S.DISPATCHED, [R.SUPERVISOR], [has_photo], outcome="not_fixed",
         changes=lambda case, p: {"rework_count": case.rework_count + 1}),
    _row(A.CLOSE, [S.CHECKED], S.CLOSED, [R.DUTY_CHIEF]),
)
del S, A, R

CHECK_RESULTS = ("fixed", "not_fixed")


def _rows_for(action: Action) -> list[Transition]:
    return [t for t in TRANSITIONS if t.action == action]


def decide(
    case: CaseSnapshot | None,
    action: Action,
    actor: Actor,
    now: datetime,
    params: Mapping[str, Any] | None = None,
) -> Decision:
    """Apply the table. ``case`` is None only for ``Action.REPORT`` (a new case).

    Checks, in this order, so that the refusal names the first real obstacle: the action exists
    for this role (403), the case is in a state the action starts from (409), the outcome is one
    the action knows (400), then each guard (403 for department ownership, else 400).
    """
    params = params or {}
    rows = _rows_for(action)
    if not rows:
        raise Refused("unknown_action", f"unknown action {action!r}", 400)
    if actor.role not in rows[0].roles:
        raise Refused(
            "role_not_allowed",
            f"a {actor.role.en.lower()} ({actor.role.zh}) may not {action.en.lower()} a case",
            403,
            state=case.state if case else None,
        )
    if action == Action.REPORT:
        if case is not None:
            raise Refused("wrong_state", "a case that exists cannot be reported again", 409,
                          state=case.state)
        row = rows[0]
        from_state = None
        snapshot = CaseSnapshot(state=State.REPORTED)
    else:
        if case is None:
            raise Refused("no_case", "this action needs an existing case", 400)
        rows = [t for t in rows if case.state in t.sources]
        if not rows:
            raise Refused(
                "wrong_state",
                f"cannot {action.en.lower()} a case that is {case.state.en.lower()} "
                f"({case.state.zh})",
                409,
                state=case.state,
            )
        if rows[0].outcome is not None:
            result = params.get("result")
            matching = [t for t in rows if t.outcome == result]
            if not matching:
                known = ", ".join(t.outcome for t in rows)
                raise Refused("invalid", f"'result' must be one of: {known}", 400,
                              state=case.state)
            rows = matching
        row = rows[0]
        from_state = case.state
        snapshot = case
    for guard in row.guards:
        reason = guard(snapshot, actor, params)
        if reason:
            status = 403 if guard is own_department else 400
            code = "not_your_case" if guard is own_department else "invalid"
            raise Refused(code, reason, status, state=from_state)
    changes = dict(row.changes(snapshot, params)) if row.changes else {}
    limit = node_limit_minutes(row.target)
    deadline = None
    if row.target not in FINAL_STATES and limit is not None:
        deadline = now + timedelta(minutes=limit)
    return Decision(action, from_state, row.target, deadline, changes)


def allowed_actions(case: CaseSnapshot, role: Role) -> list[Action]:
    """The actions a role could start from the case's state (guards not evaluated): what a
    console shows as buttons."""
    seen: list[Action] = []
    for t in TRANSITIONS:
        if case.state in t.sources and role in t.roles and t.action not in seen:
            seen.append(t.action)
    return seen

"""The transition table (流程表): one row per (action, outcome), as data.

Each row names the states it starts from, the state it leads to (``None``: the case stays where
it is, or the effect chooses, as a refused return goes back to where it was), the roles that may
take it, its guards, and its effect: the snapshot fields it changes besides the state and the
timers (``workflows.engine`` adds those). Rendered to docs/workflow.md by
``python -m workflows.render``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

from workflows import guards as g
from workflows.calendar import Unit
from workflows.case import CaseSnapshot
from workflows.limits import Limit
from workflows.rules import Rules
from workflows.states import Action, Role, State

Effect = Callable[[CaseSnapshot, Mapping[str, Any], datetime, Rules], dict]


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[State]
    target: State | None
    roles: frozenset[Role]
    guards: tuple[g.Guard, ...] = ()
    outcome: str | None = None
    effect: Effect | None = None


# --- effects ---------------------------------------------------------------------------------

def _handle_limit(case: CaseSnapshot, rules: Rules) -> Limit:
    if case.handle_limit_value:
        return Limit(case.handle_limit_value, case.handle_limit_unit)
    return rules.limits.default_handle


def _new_handle_cycle(case, now, rules) -> dict:
    deadline = rules.add(now, _handle_limit(case, rules))
    return {"handle_started_at": now, "handle_deadline": deadline,
            "original_handle_deadline": deadline, "handled_at": None}


def _file(case, p, now, rules):
    limit = p.get("handle_limit") or rules.limits.default_handle
    return {"condition_code": p.get("condition_code") or "", "handle_limit_value": limit.value,
            "handle_limit_unit": limit.unit.value}


def _dispatch(case, p, now, rules):
    return {"department_code": p["department_code"], "resume_state": "",
            **_new_handle_cycle(case, now, rules)}


def _approve_postpone(case, p, now, rules):
    ext = Limit(case.requested_extension_value, case.requested_extension_unit)
    return {"handle_deadline": rules.add(case.handle_deadline, ext),
            "postpone_count": case.postpone_count + 1,
            "requested_extension_value": None, "requested_extension_unit": ""}


def _approve_suspend(case, p, now, rules):
    unit = Unit(_handle_limit(case, rules).unit)
    return {"suspended_remaining": rules.remaining(now, case.handle_deadline, unit),
            "suspend_count": case.suspend_count + 1}


def _resume(case, p, now, rules):
    unit = _handle_limit(case, rules).unit
    left = case.suspended_remaining or 0.0
    return {"handle_deadline": rules.calendar.add(now, left, unit) if left > 0 else now,
            "suspended_remaining": None}


def _close(case, p, now, rules):
    late = (case.handled_at and case.handle_deadline and case.handled_at > case.handle_deadline)
    return {"closing_type": "overdue" if late else "normal", "assignee_id": None}


E = {
    "send_task": lambda c, p, now, r: {"assignee_id": int(p["assignee_id"])},
    "verified": lambda c, p, now, r: {"verified": True, "assignee_id": None},
    "not_found": lambda c, p, now, r: {"verified": False, "assignee_id": None},
    "merge": lambda c, p, now, r: {"merged_into": p["into"]},
    "file": _file,
    "dispatch": _dispatch,
    "ask_return": lambda c, p, now, r: {"resume_state": c.state.value},
    # Urges of the department that gave the case back lapse with it: the next department's
    # terminal must not show them as its own.
    "approve_return": lambda c, p, now, r: {
        "department_code": None, "return_count": c.return_count + 1, "resume_state": "",
        "urges_acknowledged": c.urge_count,
        "handle_started_at": None, "handle_deadline": None, "original_handle_deadline": None},
    "refuse_return": lambda c, p, now, r: {"state": State(c.resume_state), "resume_state": ""},
    "ask_postpone": lambda c, p, now, r: {
        "requested_extension_value": float(p["extension_value"]),
        "requested_extension_unit": Unit(p["extension_unit"]).value},
    "refuse_postpone": lambda c, p, now, r: {
        "requested_extension_value": None, "requested_extension_unit": ""},
    "approve_postpone": _approve_postpone,
    "approve_suspend": _approve_suspend,
    "resume": _resume,
    "feedback": lambda c, p, now, r: {"handled_at": now},
    "fixed": lambda c, p, now, r: {"assignee_id": None},
    "rework": lambda c, p, now, r: {"assignee_id": None, "rework_count": c.rework_count + 1,
                                    **_new_handle_cycle(c, now, r)},
    "close": _close,
    "satisfied": lambda c, p, now, r: {"satisfaction": int(p["satisfaction"])},
    "reopen": lambda c, p, now, r: {"satisfaction": int(p["satisfaction"]), "closing_type": "",
                                    "reopen_count": c.reopen_count + 1,
                                    **_new_handle_cycle(c, now, r)},
    "light": lambda c, p, now, r: {"light": p["light"]},
    "urge": lambda c, p, now, r: {"urge_count": c.urge_count + 1},
    "acknowledge": lambda c, p, now, r: {"urges_acknowledged": c.urge_count},
}


def _row(action, sources, target, roles, guards=(), outcome=None, effect=None) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), tuple(guards),
                      outcome, E[effect] if effect else None)


S, A, R = State, Action, Role
OPEN_BEFORE_FILING = [S.REPORTED, S.VERIFYING, S.ACCEPTED]
TIMED = [S.REPORTED, S.VERIFYING, S.ACCEPTED, S.FILED, S.DISPATCHED, S.HANDLING,
         S.RETURN_REQUESTED, S.POSTPONE_REQUESTED, S.SUSPEND_REQUESTED, S.HANDLED, S.CHECKING,
         S.CHECKED, S.SELF_HANDLED]
DEPT = [R.DEPARTMENT]
#: States in which a case has a department (from the dispatch on; a return takes it away).
HELD_BY_DEPT = [S.DISPATCHED, S.HANDLING, S.RETURN_REQUESTED, S.POSTPONE_REQUESTED,
                S.SUSPEND_REQUESTED, S.SUSPENDED, S.HANDLED, S.CHECKING, S.CHECKED, S.CLOSED]
TRANSITIONS: tuple[Transition, ...] = (
    _row(A.REPORT, [], S.REPORTED, [R.SUPERVISOR, R.CALL_TAKER, R.ACCEPTOR, R.SYSTEM]),
    _row(A.ACCEPT, [S.REPORTED], S.ACCEPTED, [R.ACCEPTOR]),
    _row(A.REJECT, [S.REPORTED], S.REJECTED, [R.ACCEPTOR], [g.requires_reason]),
    _row(A.MERGE, OPEN_BEFORE_FILING, S.MERGED, [R.ACCEPTOR, R.DUTY_CHIEF],
         [g.requires_into, g.not_merged_into_itself], effect="merge"),
    _row(A.SEND_VERIFY, [S.ACCEPTED], S.VERIFYING, [R.ACCEPTOR], [g.requires_assignee_id],
         effect="send_task"),
    _row(A.VERIFY, [S.VERIFYING], S.ACCEPTED, [R.SUPERVISOR],
         [g.assigned_to_actor, g.has_photo], outcome="confirmed", effect="verified"),
    _row(A.VERIFY, [S.VERIFYING], S.ACCEPTED, [R.SUPERVISOR], [g.assigned_to_actor],
         outcome="not_found", effect="not_found"),
    _row(A.SELF_HANDLE, [S.REPORTED], S.SELF_HANDLED, [R.SUPERVISOR], [g.own_report, g.has_photo]),
    _row(A.AUDIT_SELF, [S.SELF_HANDLED], S.CLOSED, [R.DUTY_CHIEF], outcome="approved",
         effect="close"),
    _row(A.AUDIT_SELF, [S.SELF_HANDLED], S.ACCEPTED, [R.DUTY_CHIEF], [g.requires_reason],
         outcome="refused"),
    _row(A.FILE, [S.ACCEPTED], S.FILED, [R.DUTY_CHIEF], [g.verified_if_public], effect="file"),
    _row(A.VOID, [S.ACCEPTED], S.VOIDED, [R.DUTY_CHIEF], [g.requires_reason]),
    _row(A.DISPATCH, [S.FILED], S.DISPATCHED, [R.DISPATCHER], [g.requires_department_code],
         effect="dispatch"),
    _row(A.DEPT_ACCEPT, [S.DISPATCHED], S.HANDLING, DEPT, [g.own_department]),
    _row(A.REQUEST_RETURN, [S.DISPATCHED, S.HANDLING], S.RETURN_REQUESTED, DEPT,
         [g.own_department, g.requires_reason], effect="ask_return"),
    _row(A.APPROVE_RETURN, [S.RETURN_REQUESTED], S.FILED, [R.DISPATCHER],
         effect="approve_return"),
    _row(A.REJECT_RETURN, [S.RETURN_REQUESTED], None, [R.DISPATCHER], [g.requires_reason],
         effect="refuse_return"),
    _row(A.REQUEST_POSTPONE, [S.HANDLING], S.POSTPONE_REQUESTED, DEPT,
         [g.own_department, g.requires_reason, g.requires_extension, g.before_handle_deadline],
         effect="ask_postpone"),
    _row(A.APPROVE_POSTPONE, [S.POSTPONE_REQUESTED], S.HANDLING, [R.DISPATCHER],
         effect="approve_postpone"),
    _row(A.REJECT_POSTPONE, [S.POSTPONE_REQUESTED], S.HANDLING, [R.DISPATCHER],
         [g.requires_reason], effect="refuse_postpone"),
    _row(A.REQUEST_SUSPEND, [S.HANDLING], S.SUSPEND_REQUESTED, DEPT,
         [g.own_department, g.requires_reason]),
    _row(A.APPROVE_SUSPEND, [S.SUSPEND_REQUESTED], S.SUSPENDED, [R.DISPATCHER],
         effect="approve_suspend"),
    _row(A.REJECT_SUSPEND, [S.SUSPEND_REQUESTED], S.HANDLING, [R.DISPATCHER], [g.requires_reason]),
    _row(A.RESUME, [S.SUSPENDED], S.HANDLING, [R.DISPATCHER], effect="resume"),
    _row(A.FEEDBACK, [S.HANDLING], S.HANDLED, DEPT, [g.own_department, g.has_photo],
         effect="feedback"),
    _row(A.REQUEST_CHECK, [S.HANDLED], S.CHECKING, [R.ACCEPTOR], [g.requires_assignee_id],
         effect="send_task"),
    _row(A.CHECK, [S.CHECKING], S.CHECKED, [R.SUPERVISOR], [g.assigned_to_actor, g.has_photo],
         outcome="fixed", effect="fixed"),
    # A failed check sends the case back to the same department as rework (返工).
    _row(A.CHECK, [S.CHECKING], S.DISPATCHED, [R.SUPERVISOR], [g.assigned_to_actor, g.has_photo],
         outcome="not_fixed", effect="rework"),
    _row(A.CLOSE, [S.CHECKED], S.CLOSED, [R.DUTY_CHIEF], effect="close"),
    _row(A.CALLBACK, [S.CLOSED], None, [R.CALL_TAKER],
         [g.callback_channel, g.valid_satisfaction], outcome="satisfied", effect="satisfied"),
    # An unhappy caller (satisfaction 1 or 2) reopens the case to the same department.
    _row(A.CALLBACK, [S.CLOSED], S.DISPATCHED, [R.CALL_TAKER],
         [g.callback_channel, g.valid_satisfaction], outcome="unsatisfied", effect="reopen"),
    _row(A.TIMER, TIMED, None, [R.SYSTEM], [g.valid_light], effect="light"),
    # The photo cleaner's result (a report's photo re-encoded, or refused): noted in any state.
    _row(A.PHOTO_CLEANED, list(S), None, [R.SYSTEM]),
    # Notes on the story (NOTE_ACTIONS): the case stays as it is. The command centre urges the
    # department (督办) while the department has the next step (take it on, or handle it).
    _row(A.URGE, [S.DISPATCHED, S.HANDLING], None, [R.DUTY_CHIEF, R.DISPATCHER, R.LEADER],
         [g.requires_note, g.short_note, g.valid_level], effect="urge"),
    # The department holding the case acknowledges the urges it has not yet read (督办已阅),
    # from any state it may hold the case in (an urge may be read after the next step).
    _row(A.ACKNOWLEDGE, HELD_BY_DEPT, None, DEPT, [g.own_department, g.urge_waiting, g.short_note],
         effect="acknowledge"),
    # Anyone who reads a case may add a comment (批转意见) at any step.
    _row(A.COMMENT, list(S), None, [R.SUPERVISOR, R.ACCEPTOR, R.DUTY_CHIEF, R.DISPATCHER,
                                    R.DEPARTMENT, R.CALL_TAKER, R.LEADER],
         [g.sees_case, g.requires_note, g.short_note]),
)
del S, A, R


def outcome_of(action: Action, params: Mapping[str, Any]) -> str | None:
    """Which row of a many-outcome action the parameters choose."""
    if action == Action.CALLBACK:
        try:
            return "satisfied" if int(params.get("satisfaction")) >= 3 else "unsatisfied"
        except (TypeError, ValueError):
            return "satisfied"  # the guard then names the bad value
    return params.get("result")

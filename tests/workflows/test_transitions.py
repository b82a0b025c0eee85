"""The transition table: the straight path, refusals that say why, and the rendered doc."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from workflows import Action, Actor, CaseSnapshot, Refused, Role, State, decide
from workflows.render import render
from workflows.transitions import TRANSITIONS, allowed_actions

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
SUPERVISOR = Actor(1, Role.SUPERVISOR)
ACCEPTOR = Actor(2, Role.ACCEPTOR)
CHIEF = Actor(3, Role.DUTY_CHIEF)
DISPATCHER = Actor(4, Role.DISPATCHER)
ROADS = Actor(5, Role.DEPARTMENT, department_code="roads")
WATER = Actor(6, Role.DEPARTMENT, department_code="water")
LEADER = Actor(7, Role.LEADER)


def step(case, action, actor, **params):
    d = decide(case, action, actor, NOW, params)
    changes = dict(d.changes)
    return CaseSnapshot(
        state=d.to_state,
        department_code=changes.get("department_code", case.department_code if case else None),
        rework_count=changes.get("rework_count", case.rework_count if case else 0),
    ), d


def test_straight_path_reaches_closed_with_deadlines():
    case, d = step(None, Action.REPORT, SUPERVISOR)
    assert d.from_state is None and d.to_state == State.REPORTED
    assert d.deadline == NOW + timedelta(minutes=60)
    case, _ = step(case, Action.ACCEPT, ACCEPTOR)
    case, _ = step(case, Action.FILE, CHIEF)
    case, d = step(case, Action.DISPATCH, DISPATCHER, department_code="roads")
    assert case.department_code == "roads" and d.changes == {"department_code": "roads"}
    case, _ = step(case, Action.DEPT_ACCEPT, ROADS)
    case, d = step(case, Action.FEEDBACK, ROADS, photo_count=1)
    assert d.to_state == State.HANDLED
    case, _ = step(case, Action.REQUEST_CHECK, ACCEPTOR)
    case, _ = step(case, Action.CHECK, SUPERVISOR, result="fixed", photo_count=1)
    case, d = step(case, Action.CLOSE, CHIEF)
    assert case.state == State.CLOSED and d.deadline is None


def test_failed_check_is_rework_to_same_department():
    case = CaseSnapshot(State.CHECKING, department_code="roads", rework_count=1)
    case, d = step(case, Action.CHECK, SUPERVISOR, result="not_fixed", photo_count=2)
    assert case.state == State.DISPATCHED and case.rework_count == 2
    assert case.department_code == "roads"


@pytest.mark.parametrize(
    "case, action, actor, params, status, code, words",
    [
        (CaseSnapshot(State.REPORTED), Action.FILE, ACCEPTOR, {}, 403, "role_not_allowed",
         "acceptor"),
        (CaseSnapshot(State.REPORTED), Action.FILE, CHIEF, {}, 409, "wrong_state", "reported"),
        (CaseSnapshot(State.CLOSED), Action.ACCEPT, ACCEPTOR, {}, 409, "wrong_state", "closed"),
        (CaseSnapshot(State.REPORTED), Action.REJECT, ACCEPTOR, {"reason": "  "}, 400, "invalid",
         "'reason'"),
        (CaseSnapshot(State.FILED), Action.DISPATCH, DISPATCHER, {}, 400, "invalid",
         "'department_code'"),
        (CaseSnapshot(State.DISPATCHED, "roads"), Action.DEPT_ACCEPT, WATER, {}, 403,
         "not_your_case", "'roads'"),
        (CaseSnapshot(State.HANDLING, "roads"), Action.FEEDBACK, ROADS, {}, 400, "invalid",
         "'photo'"),
        (CaseSnapshot(State.CHECKING, "roads"), Action.CHECK, SUPERVISOR,
         {"result": "maybe", "photo_count": 1}, 400, "invalid", "'result'"),
        (CaseSnapshot(State.HANDLED, "roads"), Action.CLOSE, CHIEF, {}, 409, "wrong_state",
         "handled"),
        (CaseSnapshot(State.REPORTED), Action.ACCEPT, LEADER, {}, 403, "role_not_allowed",
         "leader"),
    ],
)
def test_refusals_say_why(case, action, actor, params, status, code, words):
    with pytest.raises(Refused) as err:
        decide(case, action, actor, NOW, params)
    assert err.value.status == status
    assert err.value.code == code
    assert words in err.value.message.lower()


def test_no_row_leaves_a_final_state():
    for t in TRANSITIONS:
        assert not t.sources & {State.CLOSED, State.REJECTED, State.VOIDED}


def test_every_state_is_reachable_from_report():
    reached, frontier = {State.REPORTED}, [State.REPORTED]
    while frontier:
        s = frontier.pop()
        for t in TRANSITIONS:
            if s in t.sources and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(State)


def test_allowed_actions_lists_buttons():
    assert allowed_actions(CaseSnapshot(State.REPORTED), Role.ACCEPTOR) == [
        Action.ACCEPT, Action.REJECT]
    assert allowed_actions(CaseSnapshot(State.REPORTED), Role.DISPATCHER) == []


def test_rendered_doc_is_current():
    doc = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"
    assert doc.read_text(encoding="utf-8") == render(), "run: python -m workflows.render > docs/workflow.md"

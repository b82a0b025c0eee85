"""Notes on a case's story: an urge of the department (督办), the department's acknowledgement
of it (督办已阅) and a comment (批转意见). None changes the case (state, holder, deadlines,
version); an urge counts itself, an acknowledgement marks every urge waiting as read."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from workflows import NOTE_ACTIONS, Action, Actor, CaseSnapshot, Refused, Role, State, decide
from workflows.engine import allowed_actions
from workflows.guards import NOTE_MAX

BJ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=BJ)
DEADLINE = datetime(2026, 11, 23, 17, 0, tzinfo=BJ)
CHIEF = Actor(3, Role.DUTY_CHIEF)
DISPATCHER = Actor(4, Role.DISPATCHER)
ROADS = Actor(5, Role.DEPARTMENT, department_code="roads")
WATER = Actor(6, Role.DEPARTMENT, department_code="water")
LEADER = Actor(7, Role.LEADER)
SUPERVISOR = Actor(1, Role.SUPERVISOR)
OTHER_SUPERVISOR = Actor(11, Role.SUPERVISOR)
ACCEPTOR = Actor(2, Role.ACCEPTOR)
HANDLING = CaseSnapshot(State.HANDLING, department_code="roads", reporter_id=1, node="handle",
                        deadline=DEADLINE, handle_deadline=DEADLINE, light="green", version=7,
                        urge_count=1)


@pytest.mark.parametrize("actor", [CHIEF, DISPATCHER, LEADER])
@pytest.mark.parametrize("state", [State.DISPATCHED, State.HANDLING])
def test_an_urge_counts_and_changes_nothing_else(actor, state):
    case = CaseSnapshot(state, department_code="roads", deadline=DEADLINE, node="handle",
                        light="yellow", version=4)
    d = decide(case, Action.URGE, actor, NOW, {"note": "今天下班前处理完", "level": "high"})
    assert d.from_state == d.to_state == state
    assert dict(d.changes) == {"state": state, "urge_count": 1}  # no version, no timer
    after = case.apply(d.changes)
    assert (after.version, after.deadline, after.light, after.department_code) == (
        4, DEADLINE, "yellow", "roads")


@pytest.mark.parametrize("actor", [CHIEF, ROADS, SUPERVISOR, ACCEPTOR, LEADER])
@pytest.mark.parametrize("state", list(State))
def test_a_comment_is_a_note_in_any_state_that_changes_nothing(actor, state):
    case = CaseSnapshot(state, department_code="roads", reporter_id=1, version=3)
    d = decide(case, Action.COMMENT, actor, NOW, {"note": "同意，请派遣"})
    assert dict(d.changes) == {"state": state}


@pytest.mark.parametrize("case, action, actor, params, status, code, words", [
    (HANDLING, Action.URGE, ROADS, {"note": "x"}, 403, "role_not_allowed", "department"),
    (HANDLING, Action.URGE, ACCEPTOR, {"note": "x"}, 403, "role_not_allowed", "acceptor"),
    (CaseSnapshot(State.FILED), Action.URGE, DISPATCHER, {"note": "x"}, 409, "wrong_state",
     "filed"),
    (CaseSnapshot(State.CLOSED), Action.URGE, CHIEF, {"note": "x"}, 409, "wrong_state", "closed"),
    (HANDLING, Action.URGE, DISPATCHER, {}, 400, "invalid", "'note' is required"),
    (HANDLING, Action.URGE, DISPATCHER, {"note": "   "}, 400, "invalid", "'note' is required"),
    (HANDLING, Action.URGE, DISPATCHER, {"note": "x" * (NOTE_MAX + 1)}, 400, "invalid",
     "too long"),
    (HANDLING, Action.URGE, DISPATCHER, {"note": "x", "level": "extreme"}, 400, "invalid",
     "'level'"),
    (HANDLING, Action.COMMENT, WATER, {"note": "x"}, 403, "not_your_case", "not to yours"),
    (HANDLING, Action.COMMENT, OTHER_SUPERVISOR, {"note": "x"}, 403, "not_your_case",
     "reported"),
    (HANDLING, Action.COMMENT, Actor(9, Role.SYSTEM), {"note": "x"}, 403, "role_not_allowed",
     "system"),
    (HANDLING, Action.COMMENT, Actor(10, Role.MAPKEEPER), {"note": "x"}, 403,
     "role_not_allowed", "map keeper"),
    (HANDLING, Action.COMMENT, CHIEF, {"note": ""}, 400, "invalid", "'note' is required"),
    (HANDLING, Action.COMMENT, CHIEF, {"note": "长" * (NOTE_MAX + 1)}, 400, "invalid",
     "too long"),
])
def test_note_refusals_say_why(case, action, actor, params, status, code, words):
    with pytest.raises(Refused) as err:
        decide(case, action, actor, NOW, params)
    assert (err.value.status, err.value.code) == (status, code)
    assert words in err.value.message.lower()


@pytest.mark.parametrize("state", [State.DISPATCHED, State.HANDLING, State.HANDLED,
                                   State.SUSPENDED, State.CLOSED])
def test_the_department_acknowledges_every_urge_waiting_and_nothing_else_changes(state):
    case = CaseSnapshot(state, department_code="roads", deadline=DEADLINE, node="handle",
                        light="yellow", version=9, urge_count=3, urges_acknowledged=1)
    d = decide(case, Action.ACKNOWLEDGE, ROADS, NOW, {})
    assert d.from_state == d.to_state == state
    assert dict(d.changes) == {"state": state, "urges_acknowledged": 3}  # no version, no timer
    # once read, a second acknowledgement (another screen of the department) is a conflict
    with pytest.raises(Refused) as err:
        decide(case.apply(d.changes), Action.ACKNOWLEDGE, ROADS, NOW, {})
    assert (err.value.status, err.value.code) == (409, "nothing_to_acknowledge")
    assert "no urge" in err.value.message and err.value.state == state


def test_urges_to_a_department_lapse_when_it_gives_the_case_back():
    asked = CaseSnapshot(State.RETURN_REQUESTED, department_code="roads", urge_count=2,
                         resume_state="handling")
    d = decide(asked, Action.APPROVE_RETURN, DISPATCHER, NOW, {})
    assert d.changes["urges_acknowledged"] == 2 and d.changes["department_code"] is None


@pytest.mark.parametrize("case, actor, params, status, code, words", [
    (HANDLING, WATER, {}, 403, "not_your_case", "not to yours"),
    (HANDLING, DISPATCHER, {}, 403, "role_not_allowed", "dispatcher"),
    (HANDLING, CHIEF, {}, 403, "role_not_allowed", "duty chief"),
    (HANDLING, ROADS, {"note": "x" * (NOTE_MAX + 1)}, 400, "invalid", "too long"),
    (CaseSnapshot(State.FILED, urge_count=1), ROADS, {}, 409, "wrong_state", "filed"),
    (CaseSnapshot(State.HANDLING, department_code="roads"), ROADS, {}, 409,
     "nothing_to_acknowledge", "no urge"),
])
def test_acknowledgement_refusals_say_why(case, actor, params, status, code, words):
    with pytest.raises(Refused) as err:
        decide(case, Action.ACKNOWLEDGE, actor, NOW, params)
    assert (err.value.status, err.value.code) == (status, code)
    assert words in err.value.message.lower()


def test_a_note_of_the_longest_length_is_taken():
    d = decide(HANDLING, Action.URGE, CHIEF, NOW, {"note": "办" * NOTE_MAX})
    assert d.changes["urge_count"] == 2


def test_notes_are_buttons_but_no_work_waiting():
    assert NOTE_ACTIONS == {Action.URGE, Action.ACKNOWLEDGE, Action.COMMENT}
    assert allowed_actions(HANDLING, Role.DISPATCHER) == [Action.URGE, Action.COMMENT]
    assert allowed_actions(HANDLING, Role.DEPARTMENT) == [
        Action.REQUEST_RETURN, Action.REQUEST_POSTPONE, Action.REQUEST_SUSPEND, Action.FEEDBACK,
        Action.ACKNOWLEDGE, Action.COMMENT]
    assert Action.URGE.zh == "督办" and Action.COMMENT.zh == "批转意见"

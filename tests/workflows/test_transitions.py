"""The transition table: the straight path, every side flow, refusals that say why, the doc."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from workflows import NOTE_ACTIONS, Action, Actor, CaseSnapshot, Refused, Role, State, decide
from workflows.engine import allowed_actions
from workflows.render import render
from workflows.table import TRANSITIONS

BJ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=BJ)  # a Monday
SUPERVISOR = Actor(1, Role.SUPERVISOR)
OTHER_SUPERVISOR = Actor(11, Role.SUPERVISOR)
ACCEPTOR = Actor(2, Role.ACCEPTOR)
CHIEF = Actor(3, Role.DUTY_CHIEF)
DISPATCHER = Actor(4, Role.DISPATCHER)
ROADS = Actor(5, Role.DEPARTMENT, department_code="roads")
WATER = Actor(6, Role.DEPARTMENT, department_code="water")
LEADER = Actor(7, Role.LEADER)
CALLER = Actor(8, Role.CALL_TAKER)
SYSTEM = Actor(9, Role.SYSTEM)


class Walk:
    """A case walked through the rules, keeping the snapshot and the clock."""

    def __init__(self, actor=SUPERVISOR, channel="handset", now=NOW):
        self.now = now
        d = decide(None, Action.REPORT, actor, now, {"channel": channel})
        self.case = CaseSnapshot(state=State.REPORTED).apply(d.changes)
        self.last = d

    def do(self, action, actor, minutes=10, **params):
        self.now += timedelta(minutes=minutes)
        self.last = decide(self.case, action, actor, self.now, params)
        self.case = self.case.apply(self.last.changes)
        return self

    @property
    def state(self):
        return self.case.state


def to_handling(walk):
    return (walk.do(Action.ACCEPT, ACCEPTOR).do(Action.FILE, CHIEF)
            .do(Action.DISPATCH, DISPATCHER, department_code="roads")
            .do(Action.DEPT_ACCEPT, ROADS))


def test_straight_path_reaches_closed_with_node_deadlines():
    w = Walk()
    assert w.case.node == "accept" and w.case.deadline == NOW + timedelta(hours=1)
    assert w.case.yellow_at == NOW + timedelta(minutes=48) and w.case.light == "green"
    to_handling(w)
    assert w.state == State.HANDLING and w.case.node == "handle"
    # default handling limit: 2 working days from dispatch (09:30 Monday → 09:30 Wednesday)
    assert w.case.handle_deadline == datetime(2026, 11, 25, 9, 30, tzinfo=BJ)
    assert w.case.deadline == w.case.handle_deadline
    w.do(Action.FEEDBACK, ROADS, photo_count=1)
    w.do(Action.REQUEST_CHECK, ACCEPTOR, assignee_id=1)
    assert w.case.assignee_id == 1 and w.case.node == "check"
    w.do(Action.CHECK, SUPERVISOR, result="fixed", photo_count=1)
    w.do(Action.CLOSE, CHIEF)
    assert w.state == State.CLOSED and w.case.deadline is None and w.case.light == ""
    assert w.case.closing_type == "normal" and w.case.version == 9


def test_failed_check_is_rework_with_a_new_handling_cycle():
    w = to_handling(Walk()).do(Action.FEEDBACK, ROADS, photo_count=1)
    w.do(Action.REQUEST_CHECK, ACCEPTOR, assignee_id=1)
    w.do(Action.CHECK, SUPERVISOR, minutes=60, result="not_fixed", photo_count=2)
    assert w.state == State.DISPATCHED and w.case.rework_count == 1
    assert w.case.department_code == "roads" and w.case.handle_started_at == w.now
    assert w.case.assignee_id is None


def test_public_report_must_be_verified_before_filing():
    w = Walk(CALLER, channel="hotline").do(Action.ACCEPT, ACCEPTOR)
    with pytest.raises(Refused, match="verified on site"):
        decide(w.case, Action.FILE, CHIEF, w.now)
    w.do(Action.SEND_VERIFY, ACCEPTOR, assignee_id=1)
    assert w.state == State.VERIFYING and w.case.node == "verify"
    with pytest.raises(Refused) as err:
        decide(w.case, Action.VERIFY, OTHER_SUPERVISOR, w.now, {"result": "confirmed",
                                                                 "photo_count": 1})
    assert err.value.status == 403
    w.do(Action.VERIFY, SUPERVISOR, result="confirmed", photo_count=1)
    assert w.state == State.ACCEPTED and w.case.verified is True
    w.do(Action.FILE, CHIEF)
    assert w.state == State.FILED


def test_verification_that_finds_nothing_leads_to_void():
    w = Walk(CALLER, channel="hotline").do(Action.ACCEPT, ACCEPTOR)
    w.do(Action.SEND_VERIFY, ACCEPTOR, assignee_id=1)
    w.do(Action.VERIFY, SUPERVISOR, result="not_found")
    with pytest.raises(Refused, match="void the case"):
        decide(w.case, Action.FILE, CHIEF, w.now)
    w.do(Action.VOID, CHIEF, reason="现场未发现")
    assert w.state == State.VOIDED


def test_postponement_keeps_the_original_deadline():
    w = to_handling(Walk())
    original = w.case.handle_deadline
    w.do(Action.REQUEST_POSTPONE, ROADS, reason="材料未到", extension_value=1,
         extension_unit="work_days")
    assert w.state == State.POSTPONE_REQUESTED and w.case.node == "approve"
    w.do(Action.APPROVE_POSTPONE, DISPATCHER)
    assert w.state == State.HANDLING and w.case.postpone_count == 1
    assert w.case.original_handle_deadline == original
    assert w.case.handle_deadline == datetime(2026, 11, 26, 9, 30, tzinfo=BJ)
    assert w.case.deadline == w.case.handle_deadline


def test_postponement_must_be_asked_before_the_deadline():
    w = to_handling(Walk())
    late = w.case.handle_deadline + timedelta(minutes=1)
    with pytest.raises(Refused, match="before the handling deadline"):
        decide(w.case, Action.REQUEST_POSTPONE, ROADS, late,
               {"reason": "x", "extension_value": 1, "extension_unit": "work_days"})


def test_return_and_redispatch_and_refused_return():
    w = to_handling(Walk())
    w.do(Action.REQUEST_RETURN, ROADS, reason="不属于本部门")
    w.do(Action.REJECT_RETURN, DISPATCHER, reason="属于你部门")
    assert w.state == State.HANDLING and w.case.return_count == 0
    w.do(Action.REQUEST_RETURN, ROADS, reason="确实不属于")
    w.do(Action.APPROVE_RETURN, DISPATCHER)
    assert w.state == State.FILED and w.case.department_code is None and w.case.return_count == 1
    w.do(Action.DISPATCH, DISPATCHER, department_code="water")
    assert w.case.department_code == "water"


def test_suspension_stops_the_clock_and_resume_restores_what_was_left():
    w = to_handling(Walk())  # dispatched Mon 09:30 → deadline Wed 09:30; now Mon 09:40
    w.do(Action.REQUEST_SUSPEND, ROADS, minutes=0, reason="需协调")
    w.do(Action.APPROVE_SUSPEND, DISPATCHER, minutes=0)
    assert w.state == State.SUSPENDED and w.case.deadline is None
    left = w.case.suspended_remaining
    assert left == pytest.approx(2 - 10 / 480)  # in working days: 15 h 50 min
    w.now = datetime(2026, 12, 1, 9, 0, tzinfo=BJ)  # a Tuesday, a week later
    w.do(Action.RESUME, DISPATCHER, minutes=0)
    assert w.state == State.HANDLING and w.case.suspend_count == 1
    assert w.case.handle_deadline == datetime(2026, 12, 3, 8, 50, tzinfo=BJ)


def test_self_handling_is_audited():
    w = Walk().do(Action.SELF_HANDLE, SUPERVISOR, photo_count=1)
    assert w.state == State.SELF_HANDLED
    w.do(Action.AUDIT_SELF, CHIEF, result="approved")
    assert w.state == State.CLOSED
    with pytest.raises(Refused, match="only the supervisor who reported"):
        decide(Walk().case, Action.SELF_HANDLE, OTHER_SUPERVISOR, NOW, {"photo_count": 1})


def test_merge_and_callback_reopen():
    w = Walk().do(Action.MERGE, ACCEPTOR, into="E0101202611230001", number="C1")
    assert w.state == State.MERGED and w.case.merged_into == "E0101202611230001"
    w = Walk(CALLER, channel="hotline").do(Action.ACCEPT, ACCEPTOR)
    w.do(Action.SEND_VERIFY, ACCEPTOR, assignee_id=1)
    w.do(Action.VERIFY, SUPERVISOR, result="confirmed", photo_count=1).do(Action.FILE, CHIEF)
    w.do(Action.DISPATCH, DISPATCHER, department_code="roads").do(Action.DEPT_ACCEPT, ROADS)
    w.do(Action.FEEDBACK, ROADS, photo_count=1).do(Action.REQUEST_CHECK, ACCEPTOR, assignee_id=1)
    w.do(Action.CHECK, SUPERVISOR, result="fixed", photo_count=1).do(Action.CLOSE, CHIEF)
    w.do(Action.CALLBACK, CALLER, satisfaction=4)
    assert w.state == State.CLOSED and w.case.satisfaction == 4
    w.do(Action.CALLBACK, CALLER, satisfaction=1)
    assert w.state == State.DISPATCHED and w.case.reopen_count == 1


def test_timer_records_light_changes_only():
    w = Walk()
    w.do(Action.TIMER, SYSTEM, minutes=50, light="yellow")
    assert w.case.light == "yellow" and w.state == State.REPORTED
    with pytest.raises(Refused, match="no timer change"):
        decide(w.case, Action.TIMER, SYSTEM, w.now, {"light": "yellow"})


@pytest.mark.parametrize("case, action, actor, params, status, code, words", [
    (CaseSnapshot(State.REPORTED), Action.FILE, ACCEPTOR, {}, 403, "role_not_allowed", "acceptor"),
    (CaseSnapshot(State.REPORTED), Action.FILE, CHIEF, {}, 409, "wrong_state", "reported"),
    (CaseSnapshot(State.CLOSED), Action.ACCEPT, ACCEPTOR, {}, 409, "wrong_state", "closed"),
    (CaseSnapshot(State.REPORTED), Action.REJECT, ACCEPTOR, {"reason": "  "}, 400, "invalid",
     "'reason'"),
    (CaseSnapshot(State.FILED), Action.DISPATCH, DISPATCHER, {}, 400, "invalid",
     "'department_code'"),
    (CaseSnapshot(State.DISPATCHED, department_code="roads"), Action.DEPT_ACCEPT, WATER, {}, 403,
     "not_your_case", "'roads'"),
    (CaseSnapshot(State.HANDLING, department_code="roads"), Action.FEEDBACK, ROADS, {}, 400,
     "invalid", "'photo'"),
    (CaseSnapshot(State.CHECKING, assignee_id=1), Action.CHECK, SUPERVISOR,
     {"result": "maybe", "photo_count": 1}, 400, "invalid", "'result'"),
    (CaseSnapshot(State.HANDLED), Action.CLOSE, CHIEF, {}, 409, "wrong_state", "handled"),
    (CaseSnapshot(State.REPORTED), Action.ACCEPT, LEADER, {}, 403, "role_not_allowed", "leader"),
    (CaseSnapshot(State.CLOSED, channel="handset"), Action.CALLBACK, CALLER, {"satisfaction": 5},
     400, "invalid", "public reports"),
    (CaseSnapshot(State.CLOSED, channel="hotline"), Action.CALLBACK, CALLER, {"satisfaction": 9},
     400, "invalid", "1 to 5"),
    (CaseSnapshot(State.HANDLING, department_code="roads"), Action.REQUEST_POSTPONE, ROADS,
     {"reason": "x", "extension_value": 1, "extension_unit": "weeks"}, 400, "invalid",
     "extension_unit"),
])
def test_refusals_say_why(case, action, actor, params, status, code, words):
    with pytest.raises(Refused) as err:
        decide(case, action, actor, NOW, params)
    assert (err.value.status, err.value.code) == (status, code)
    assert words in err.value.message.lower()


def test_only_a_callback_leaves_a_final_state():
    for t in TRANSITIONS:
        if t.action == Action.PHOTO_CLEANED:  # the cleaner's note: the case stays where it is
            assert t.target is None and t.effect is None and t.roles == {Role.SYSTEM}
        elif t.action in NOTE_ACTIONS:  # a note on the story: the case stays where it is
            assert t.target is None
        elif t.sources & {State.CLOSED, State.REJECTED, State.VOIDED, State.MERGED}:
            assert t.action == Action.CALLBACK and t.sources == {State.CLOSED}


def test_every_state_is_reachable_from_report():
    reached, frontier = {State.REPORTED}, [State.REPORTED]
    while frontier:
        s = frontier.pop()
        for t in TRANSITIONS:
            targets = [t.target] if t.target else ([State.DISPATCHED, State.HANDLING]
                                                   if t.action == Action.REJECT_RETURN else [])
            for target in targets:
                if s in t.sources and target not in reached:
                    reached.add(target)
                    frontier.append(target)
    assert reached == set(State)


def test_allowed_actions_lists_buttons():
    assert allowed_actions(CaseSnapshot(State.REPORTED), Role.ACCEPTOR) == [
        Action.ACCEPT, Action.REJECT, Action.MERGE, Action.COMMENT]
    assert allowed_actions(CaseSnapshot(State.REPORTED), Role.DISPATCHER) == [Action.COMMENT]
    assert Action.TIMER not in allowed_actions(CaseSnapshot(State.HANDLING), Role.SYSTEM)


def test_rendered_doc_is_current():
    doc = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"
    assert doc.read_text(encoding="utf-8") == render(), (
        "run: python -m workflows.render > docs/workflow.md")

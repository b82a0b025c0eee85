"""Properties of the rules over random action sequences by random roles (hypothesis), and the
replay of the log over thousands of generated cases."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.workflows.walks import CAST, random_params, walk
from workflows import NOTE_ACTIONS, Action, CaseSnapshot, Refused, State, decide
from workflows.replay import replay, to_json
from workflows.table import TRANSITIONS

NEW_HANDLE_CYCLE = {Action.DISPATCH, Action.CHECK, Action.CALLBACK, Action.RESUME}
ACTIONS = sorted({t.action for t in TRANSITIONS if t.action != Action.REPORT}, key=str)


def counters_from_log(log):
    def n(action, **where):
        return sum(1 for e in log if e["action"] == action
                   and all(e["params"].get(k) == v or e.get(k) == v for k, v in where.items()))
    return {
        "rework_count": sum(1 for e in log if e["action"] == Action.CHECK
                            and e["to_state"] == State.DISPATCHED),
        "return_count": n(Action.APPROVE_RETURN),
        "postpone_count": n(Action.APPROVE_POSTPONE),
        "suspend_count": n(Action.APPROVE_SUSPEND),
        "reopen_count": sum(1 for e in log if e["action"] == Action.CALLBACK
                            and e["to_state"] == State.DISPATCHED),
        "urge_count": n(Action.URGE),
        # Read up to the last acknowledgement's count (a return lets the urges lapse too).
        "urges_acknowledged": _urges_read(log),
        # A note (urge, comment) leaves the version as it was.
        "version": sum(1 for e in log if e["action"] not in NOTE_ACTIONS),
    }


def _urges_read(log):
    urged = read = 0
    for e in log:
        urged += e["action"] == Action.URGE
        if e["action"] in (Action.ACKNOWLEDGE, Action.APPROVE_RETURN):
            read = urged
    return read


def _stepper(plan):
    """next_step(case) over a list of steps, or over a ``walks.walk`` generator (which is sent
    the current snapshot so it can choose steps the state allows). None when done."""
    if isinstance(plan, list):
        it = iter(plan)
        return lambda case: next(it, None)
    started = []

    def next_step(case):
        try:
            if not started:
                started.append(True)
                return next(plan)
            return plan.send(case)
        except StopIteration:
            return None
    return next_step


def run_walk(plan):
    """Play (now, action, actor, params) steps; check the invariants after every step."""
    case, log = None, []
    next_step = _stepper(plan)
    while (step := next_step(case)) is not None:
        now, action, actor, params = step
        try:
            d = decide(case, action, actor, now, params)
        except Refused as refusal:
            assert refusal.status in (400, 403, 409) and refusal.message
            continue
        before = case
        case = (case or CaseSnapshot(state=State.REPORTED)).apply(d.changes)
        log.append({"action": action, "to_state": d.to_state, "params": params,
                    "changes": to_json(d.changes), "at": now})
        assert isinstance(case.state, State)
        if before is not None and before.state == State.CLOSED and case.state != State.CLOSED:
            assert action == Action.CALLBACK, "a closed case changes only by reopening"
        # A deadline this event computes is never before it. The handling node's deadline is
        # set when a handling cycle starts (dispatch, rework, reopen, resume) and carried by the
        # later steps, which may come after it ran out (the light is then red).
        if d.changes.get("deadline") is not None and case.node != "handle":
            assert d.changes["deadline"] >= now and d.changes["yellow_at"] >= now
        if action in NEW_HANDLE_CYCLE and d.changes.get("handle_deadline") is not None:
            assert d.changes["handle_deadline"] >= now, "handle deadline before its event"
        if case.node == "handle":
            assert case.deadline == case.handle_deadline
        if case.deadline is not None:
            assert case.node, "a deadline without a node"
        expected = counters_from_log(log)
        assert {k: getattr(case, k) for k in expected} == expected
        assert replay(log) == case
    return case, log


step = st.tuples(st.sampled_from(ACTIONS), st.sampled_from(CAST), st.integers(0, 10_000),
                 st.sampled_from([1, 5, 30, 90, 600, 3000]))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([0, 7]), st.lists(step, min_size=1, max_size=40))
def test_random_sequences_keep_the_invariants(reporter_index, steps):
    import random

    from tests.workflows.walks import START

    reporter = CAST[reporter_index]
    now = START
    plan = [(now, Action.REPORT, reporter,
             {"channel": "handset" if reporter_index == 0 else "hotline"})]
    for action, actor, seed, minutes in steps:
        now += timedelta(minutes=minutes)
        plan.append((now, action, actor, random_params(random.Random(seed))))
    run_walk(plan)


def test_replay_rebuilds_thousands_of_generated_cases():
    reached = set()
    for seed in range(3000):
        case, log = run_walk(walk(seed, steps=40))
        reached.add(case.state)
        assert replay(log) == case
    # the walks reach far enough to mean something
    assert {State.CLOSED, State.HANDLING, State.SUSPENDED, State.MERGED} <= reached

"""The one pure function that applies the table: ``decide``; and what a role may do now.

``decide(case, action, actor, now, params, rules)`` answers with a ``Decision`` (the new state and
every changed snapshot field, timers included) or raises ``Refused`` saying why. It reads no
clock and no store: the same inputs always give the same decision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from workflows.case import PUBLIC_CHANNELS, Actor, CaseSnapshot, Decision, Refused
from workflows.guards import ACCESS_GUARDS, CONFLICT_GUARDS
from workflows.reasons import Reason, choices, field
from workflows.rules import Rules, default_rules
from workflows.states import NOTE_ACTIONS, SYSTEM_ACTIONS, Action, Role, State
from workflows.table import TRANSITIONS, Transition, outcome_of


def _rows(action: Action) -> list[Transition]:
    return [t for t in TRANSITIONS if t.action == action]


def light_at(now: datetime, yellow_at: datetime | None, deadline: datetime | None) -> str:
    """green under the yellow mark (80 % of the limit), yellow up to the deadline, red past it."""
    if deadline is None:
        return ""
    if now >= deadline:
        return "red"
    if yellow_at is not None and now >= yellow_at:
        return "yellow"
    return "green"


def _timer(case: CaseSnapshot, state: State, now: datetime, rules: Rules) -> dict:
    """The timer fields for a case entering ``state`` at ``now``."""
    if state == State.HANDLING:
        start, deadline = case.handle_started_at, case.handle_deadline
        if start is None or deadline is None:
            raise ValueError("handling without a handling deadline")
        yellow = start + (deadline - start) * rules.limits.yellow_at
        node = rules.limits.handling_node
    else:
        entry = rules.limits.node_of(state)
        if entry is None:
            return {"node": "", "node_started_at": None, "yellow_at": None, "deadline": None,
                    "light": ""}
        node, limit = entry
        start, deadline = now, rules.add(now, limit)
        yellow = rules.calendar.add(now, limit.value * rules.limits.yellow_at, limit.unit)
    return {"node": node, "node_started_at": start, "yellow_at": yellow, "deadline": deadline,
            "light": light_at(now, yellow, deadline)}


def _refuse_role(actor: Actor, action: Action, state: State | None) -> Refused:
    return Refused("role_not_allowed",
                   Reason("your role (%(role)s) may not take the step '%(action)s'",
                          role=actor.role, action=action), 403, state=state)


def decide(case: CaseSnapshot | None, action: Action, actor: Actor, now: datetime,
           params: Mapping[str, Any] | None = None, rules: Rules | None = None) -> Decision:
    """Apply the table. ``case`` is None only for ``Action.REPORT`` (a new case); then
    ``params['channel']`` says where it came from (default "handset").

    Checks, in this order, so the refusal names the first real obstacle: the action exists for
    this role (403), the case is in a state the action starts from (409), the outcome is one the
    action knows (400), then each guard (403 for who-may guards, 409 for guards about what the
    case holds now (``CONFLICT_GUARDS``), else 400).
    """
    params = params or {}
    rules = rules or default_rules()
    action = Action(action)
    rows = _rows(action)
    state = case.state if case else None
    if not rows:
        raise Refused("unknown_action", Reason("unknown action %(action)s",
                                               action=repr(action.value)), 400)
    if actor.role not in rows[0].roles:
        raise _refuse_role(actor, action, state)
    if action == Action.REPORT:
        if case is not None:
            raise Refused("wrong_state", Reason("a case that exists cannot be reported again"),
                          409, state=state)
        channel = params.get("channel") or "handset"
        case = CaseSnapshot(state=State.REPORTED, channel=channel, reporter_id=actor.id)
        row, from_state = rows[0], None
    else:
        if case is None:
            raise Refused("no_case", Reason("this action needs an existing case"), 400)
        rows = [t for t in rows if case.state in t.sources]
        if not rows:
            raise Refused("wrong_state", Reason("the step '%(action)s' cannot be taken on a "
                                                "case that is %(state)s", action=action,
                                                state=case.state), 409, state=state)
        if rows[0].outcome is not None:
            wanted = outcome_of(action, params)
            matching = [t for t in rows if t.outcome == wanted]
            if not matching:
                known = choices(t.outcome for t in rows)
                raise Refused("invalid", Reason("%(field)s must be one of: %(choices)s",
                                                field=field("result"), choices=known), 400,
                              state=state)
            rows = matching
        row, from_state = rows[0], case.state
    for guard in row.guards:
        reason = guard(case, actor, params, now)
        if reason and guard.__name__ in CONFLICT_GUARDS:
            raise Refused(CONFLICT_GUARDS[guard.__name__], reason, 409, state=from_state)
        if reason:
            access = guard.__name__ in ACCESS_GUARDS
            raise Refused("not_your_case" if access else "invalid", reason, 403 if access else 400,
                          state=from_state)
    changes: dict[str, Any] = {}
    if action == Action.REPORT:
        changes.update(channel=case.channel, reporter_id=actor.id)
    if row.effect:
        changes.update(row.effect(case, params, now, rules))
    target = State(changes.pop("state", None) or row.target or case.state)
    changes["state"] = target
    after = case.apply(changes)
    if target != from_state:  # a new node starts its timer; staying (timer, callback) keeps it
        changes.update(_timer(after, target, now, rules))
    if action not in NOTE_ACTIONS:  # a note leaves the case, and so its version, as it was
        changes["version"] = case.version + 1
    return Decision(action, from_state, target, changes)


def allowed_actions(case: CaseSnapshot, role: Role) -> list[Action]:
    """The actions a role could start from the case's state (guards not evaluated): what a
    console shows as buttons. The system's own steps (``SYSTEM_ACTIONS``) are never shown."""
    seen: list[Action] = []
    for t in TRANSITIONS:
        if (case.state in t.sources and role in t.roles and t.action not in seen
                and t.action not in SYSTEM_ACTIONS):
            seen.append(t.action)
    return seen


def needs_verification(channel: str) -> bool:
    return channel in PUBLIC_CHANNELS

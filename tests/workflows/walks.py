"""Random walks through the rules, shared by the property and replay tests (and the DB replay
test, which plays the same walks through the real actions)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from workflows import Action, Actor, Refused, Role
from workflows.table import TRANSITIONS

BJ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 23, 8, 30, tzinfo=BJ)
CAST = [Actor(1, Role.SUPERVISOR), Actor(11, Role.SUPERVISOR), Actor(2, Role.ACCEPTOR),
        Actor(3, Role.DUTY_CHIEF), Actor(4, Role.DISPATCHER),
        Actor(5, Role.DEPARTMENT, department_code="roads"),
        Actor(6, Role.DEPARTMENT, department_code="water"), Actor(8, Role.CALL_TAKER),
        Actor(9, Role.SYSTEM), Actor(7, Role.LEADER)]
#: The walks step through the loop; the photo cleaner's note is not a step of it (it has tests
#: of its own), and leaving it out keeps each seed's walk what it was.
STEPS = tuple(t for t in TRANSITIONS if t.action != Action.PHOTO_CLEANED)
ACTIONS = sorted({t.action for t in STEPS if t.action != Action.REPORT}, key=str)
RESULTS = ["fixed", "not_fixed", "confirmed", "not_found", "approved", "refused", "", "maybe"]


def random_params(rnd: random.Random) -> dict:
    """Parameters that are right often enough to move cases along, and wrong sometimes."""
    p = {"photo_count": rnd.choice([0, 1, 1, 2])}
    if rnd.random() < 0.8:
        p["reason"] = rnd.choice(["原因", "  ", "reason"])
    p["department_code"] = rnd.choice(["roads", "water", "roads", ""])
    p["result"] = rnd.choice(RESULTS)
    p["assignee_id"] = rnd.choice([1, 11, None])
    p["satisfaction"] = rnd.choice([1, 2, 3, 4, 5, 0, "x"])
    p["extension_value"] = rnd.choice([1, 4, 0, -1, "x"])
    p["extension_unit"] = rnd.choice(["work_hours", "work_days", "natural_hours", "weeks"])
    p["light"] = rnd.choice(["yellow", "red", "blue"])
    p["into"] = rnd.choice(["E0101202611230001", "", None])
    return {k: v for k, v in p.items() if v is not None}


def _likely_step(rnd: random.Random, case) -> tuple[Action, Actor, dict]:
    """An action the case's state allows, by an actor with a fitting role, with parameters
    that are mostly right."""
    rows = [t for t in STEPS if case.state in t.sources]
    if not rows:  # a final state: anything at all (all refused)
        return rnd.choice(ACTIONS), rnd.choice(CAST), random_params(rnd)
    row = rnd.choice(rows)
    actors = [a for a in CAST if a.role in row.roles]
    if case.department_code:
        actors = [a for a in actors if a.department_code in (None, case.department_code)] or actors
    if case.assignee_id:
        actors = [a for a in actors if a.role != Role.SUPERVISOR or a.id == case.assignee_id] \
            or actors
    params = random_params(rnd)
    params.update(photo_count=1, reason="原因", extension_value=rnd.choice([1, 4]),
                  extension_unit=rnd.choice(["work_hours", "work_days"]))
    params["department_code"] = rnd.choice(["roads", "water"])
    params["assignee_id"] = rnd.choice([1, 11])
    params["note"] = "请尽快处置"  # an urge's or a comment's words (drawing none keeps the seeds)
    if row.outcome:
        params["result"] = row.outcome
        satisfied = row.outcome == "satisfied"
        params["satisfaction"] = rnd.choice([4, 5] if satisfied else [1, 2])
    return row.action, rnd.choice(actors), params


def walk(seed: int, steps: int = 30):
    """A generator of (now, action, actor, params) for one random case. After the first step
    (the report) the caller sends the current snapshot in, so that most steps are ones the
    case's state allows (``likely``) and some are anything at all."""
    rnd = random.Random(seed)
    now = START + timedelta(minutes=rnd.randrange(0, 60 * 24 * 30))
    reporter = rnd.choice([CAST[0], CAST[7]])
    channel = "handset" if reporter.role == Role.SUPERVISOR else "hotline"
    case = yield now, Action.REPORT, reporter, {"channel": channel}
    for _ in range(steps):
        now += timedelta(minutes=rnd.choice([1, 5, 30, 90, 600, 3000]))
        if case is not None and rnd.random() < 0.85:
            action, actor, params = _likely_step(rnd, case)
        else:
            action, actor, params = rnd.choice(ACTIONS), rnd.choice(CAST), random_params(rnd)
        case = yield now, action, actor, params


__all__ = ["walk", "random_params", "Refused", "CAST"]

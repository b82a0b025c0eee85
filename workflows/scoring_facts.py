"""What one case's history counts for: ``case_facts(events) -> [Fact]``.

The whole log of one case is read at once, so a counter can follow the case's whole history
(a reopening turns an on-time handling into a late one; an approved return takes the case out of
the department's figures). Each fact counts a **case** once: it carries one date, the moment the
definition (docs/evaluation.md) says the case counts at, and the reason it counts (``why``, for
the drill-down). A later event may change or move the facts of an earlier day; the rollups follow
by adding the difference between a case's facts before and after each event
(``server.evaluation.rollups.record``), and a published period is frozen anyway.

Three counters are *stocks* (``STOCKS``), a +1 when a case starts being so and a −1 when it stops,
summed from the beginning of the log to a period's end: ``unhandled`` (open handling tasks),
``overdue`` (past the handling deadline and not closed), ``reworked_open`` (overdue, not closed,
with a failed check).

No Django here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Mapping, NamedTuple

from workflows.case import CALLBACK_CHANNELS

OPEN_HANDLING = frozenset({"dispatched", "handling", "return_requested", "postpone_requested",
                           "suspend_requested"})
#: Public reports (公众举报): people on the hotline, the portal and Open311. Camera alerts
#: (channel ``video``) need a verification too but are machines, not the public.
PUBLIC_REPORT_CHANNELS = CALLBACK_CHANNELS
STOCKS = frozenset({"unhandled", "overdue", "reworked_open"})
#: Closing types that mean the filing was wrong (错误结案); none in today's workflow.
INVALID_CLOSINGS = frozenset({"erroneous"})
#: Actions that count for nothing whatever the case's history: the photo cleaner's note, and
#: the notes people add to a story (an urge, its acknowledgement, a comment: they move nothing a
#: figure counts). The rollups skip reading a case's log back for them
#: (``server.evaluation.rollups.record``).
SILENT_ACTIONS = frozenset({"photo_cleaned", "urge", "acknowledge", "comment"})


class Fact(NamedTuple):
    at: datetime
    entity_type: str
    entity: str
    counter: str
    n: int
    case: Any
    why: tuple = ()  # (reason key, *datetimes): labels.REASONS renders it


def _when(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


class _Task:
    """A verification or check task: who sent it when, who had to do it, by when."""
    __slots__ = ("sender", "sent_at", "sent_on_time", "assignee", "done_at", "done_on_time",
                 "doer")

    def __init__(self, sender, sent_at, sent_on_time, assignee):
        self.sender, self.sent_at, self.sent_on_time = sender, sent_at, sent_on_time
        self.assignee = assignee
        self.done_at = self.doer = None
        self.done_on_time = False


class _Cycle:
    """One handling cycle (a dispatch, a rework or a reopening) and its deadline in force."""
    __slots__ = ("start", "deadline", "handled_at", "end", "failed_check_at", "suspended")

    def __init__(self, start, deadline):
        self.start, self.deadline = start, deadline
        self.handled_at = self.end = self.failed_check_at = None
        self.suspended = False

    @property
    def on_time(self) -> bool:
        return (self.handled_at is not None and self.deadline is not None
                and self.handled_at <= self.deadline)


class _Stint:
    """A department's hold of the case: from a dispatch to an approved return, or for good."""
    __slots__ = ("dept", "dispatcher", "dispatched_at", "cycles", "returned", "postponed_at",
                 "suspended_at", "reopened_at", "open_spans")

    def __init__(self, dept, dispatcher: tuple, at, deadline):
        # dispatcher: (user, on time, followed the suggestion[, return approved at])
        self.dept, self.dispatcher, self.dispatched_at = dept, dispatcher, at
        self.cycles = [_Cycle(at, deadline)]
        self.returned = False
        self.postponed_at = self.suspended_at = self.reopened_at = None
        self.open_spans: list[list] = []  # [start, end or None] in an open handling state


def _spans_of(cycles):
    """(start, end, cycle) of every time the case was overdue and not closed: from a cycle's
    deadline to the cycle's end (the next cycle, or a closing), if the cycle was handled late or
    never."""
    out = []
    for c in cycles:
        if c.deadline is None or c.on_time:
            continue
        end = c.end
        if end is not None and end <= c.deadline:
            continue
        out.append((c.deadline, end, c))
    return out


def case_facts(events: Iterable[Mapping[str, Any]]) -> list[Fact]:  # noqa: C901 - one reading
    """Every fact of one case's log (in log order). See docs/evaluation.md for each counter."""
    events = list(events)
    if not events:
        return []
    key = events[0]["case"]
    facts: list[Fact] = []

    def put(at, entity_type, entity, counter, why=(), n=1):
        if entity is not None and entity != "" and at is not None:
            facts.append(Fact(at, entity_type, str(entity), counter, n, key, why))

    state = ""
    deadline = None  # the running node's deadline
    handle_deadline = None
    reporter = role = None
    channel, cell = "handset", ""
    reported_at = None
    verify: list[_Task] = []
    check: list[_Task] = []
    filed = None  # (actor, at, on_time)
    voided_after_filing = False
    self_handled = None  # (actor, at)
    audit_approved = False
    stints: list[_Stint] = []
    closings: list[tuple] = []  # (actor, at, in_time)
    closed = False
    closing_type = ""
    public_verified = False
    for e in events:
        if e["action"] in SILENT_ACTIONS:
            continue
        data = e.get("data") or {}
        ch = data.get("changes") or {}
        action, at, actor = e["action"], e["at"], str(e["actor"])
        state0, deadline0 = state, deadline
        on_time = deadline0 is None or at <= deadline0  # the node's deadline in force before
        state = ch.get("state", state)
        if "deadline" in ch:
            deadline = _when(ch["deadline"])
        if "handle_deadline" in ch:
            handle_deadline = _when(ch["handle_deadline"])
        stint = stints[-1] if stints and not stints[-1].returned else None
        cycle = stint.cycles[-1] if stint else None
        if action == "report":
            reporter, role = actor, e.get("role")
            channel = ch.get("channel") or "handset"
            cell = e.get("cell") or data.get("cell_code") or ""
            reported_at = at
        elif action == "accept":
            put(at, "acceptor", actor, "accepted")
        elif action == "reject":
            put(at, "acceptor", actor, "rejected")
        elif action in ("send_verify", "request_check"):
            tasks = verify if action == "send_verify" else check
            assignee = ch.get("assignee_id")
            tasks.append(_Task(actor, at, on_time, None if assignee is None else str(assignee)))
        elif action in ("verify", "check"):
            tasks = verify if action == "verify" else check
            task = next((t for t in reversed(tasks) if t.done_at is None), None)
            if task is not None:
                task.done_at, task.doer, task.done_on_time = at, actor, on_time
            if action == "verify" and ch.get("verified") is True:
                public_verified = True
            if action == "check" and state == "dispatched" and cycle is not None:  # rework
                cycle.end = at
                if cycle.failed_check_at is None:
                    cycle.failed_check_at = at
                stint.cycles.append(_Cycle(at, handle_deadline))
                stint.cycles[-1].failed_check_at = at  # the rework cycle carries the failure
        elif action == "self_handle":
            self_handled = (actor, at)
        elif action == "audit_self":
            put(at, "duty_chief", actor, "audited")
            if state == "closed":
                audit_approved = True
        elif action == "file":
            filed = (actor, at, on_time)
        elif action == "void":
            put(at, "duty_chief", actor, "voided")
            if filed is not None:
                voided_after_filing = True
        elif action == "dispatch":
            stints.append(_Stint(ch.get("department_code"),
                                 (actor, on_time, bool(data.get("followed_suggestion"))),
                                 at, handle_deadline))
        elif action == "approve_return" and stint is not None:
            stint.returned = True
            stint.dispatcher = stint.dispatcher + (at,)
        elif action == "approve_postpone" and cycle is not None:
            cycle.deadline = handle_deadline
            stint.postponed_at = stint.postponed_at or at
        elif action == "approve_suspend" and cycle is not None:
            cycle.deadline, cycle.suspended = None, True  # the clock stops
            stint.suspended_at = stint.suspended_at or at
        elif action == "resume" and cycle is not None:
            cycle.deadline, cycle.suspended = handle_deadline, False
        elif action == "feedback" and cycle is not None:
            cycle.handled_at = at
        elif action == "close":
            closings.append((actor, at, on_time))
            closed, closing_type = True, ch.get("closing_type") or ""
            if cycle is not None:
                cycle.end = cycle.end or at
        elif action == "callback" and state == "dispatched" and stint is not None:  # reopened
            closed = False
            stint.reopened_at = stint.reopened_at or at
            stint.cycles.append(_Cycle(at, handle_deadline))
        if stint is not None or action == "dispatch":
            s = stints[-1]
            was_open, is_open = state0 in OPEN_HANDLING, state in OPEN_HANDLING
            if is_open and not was_open:
                s.open_spans.append([at, None])
            elif was_open and not is_open and s.open_spans and s.open_spans[-1][1] is None:
                s.open_spans[-1][1] = at
    last_close = closings[-1] if closed and closings else None
    invalid_filing = voided_after_filing or (closed and closing_type in INVALID_CLOSINGS)

    # --- the report: supervisor and cell ------------------------------------------------------
    from_supervisor = role == "supervisor"
    if from_supervisor:
        put(reported_at, "supervisor", reporter, "reported")
        if filed is not None:
            put(reported_at, "supervisor", reporter, "valid", ("valid_filed", filed[1]))
        elif self_handled is not None and audit_approved:
            put(reported_at, "supervisor", reporter, "valid", ("valid_self", self_handled[1]))
    put(reported_at, "cell", cell, "reported")
    if channel in PUBLIC_REPORT_CHANNELS:
        put(reported_at, "cell", cell, "public_reported")
        if public_verified:
            put(reported_at, "cell", cell, "public_verified")
    if self_handled is not None:
        put(self_handled[1], "supervisor", self_handled[0], "self_handled")
        put(self_handled[1], "cell", cell, "self_handled")

    # --- tasks: once per (person, case), on time only if every one of theirs was ------------
    for tasks, sent, done in ((verify, "verify_sent", "verified"),
                              (check, "check_sent", "checked")):
        first_sent: dict[str, _Task] = {}
        sent_late: set[str] = set()
        for t in tasks:
            first_sent.setdefault(t.sender, t)
            if not t.sent_on_time:
                sent_late.add(t.sender)
        for who, t in first_sent.items():
            put(t.sent_at, "acceptor", who, sent)
            if who not in sent_late:
                put(t.sent_at, "acceptor", who, f"{sent}_on_time")
        task_name = "verify_tasks" if done == "verified" else "check_tasks"
        first_task: dict[str, _Task] = {}
        late: set[str] = set()
        did: set[str] = set()
        for t in tasks:
            if t.assignee is None:
                continue
            first_task.setdefault(t.assignee, t)
            if t.done_at is not None and t.doer == t.assignee:
                did.add(t.assignee)
            if not (t.done_on_time and t.doer == t.assignee):
                late.add(t.assignee)
        for who, t in first_task.items():
            put(t.sent_at, "supervisor", who, task_name)
            if who in did:
                put(t.sent_at, "supervisor", who, done)
            if who not in late:
                put(t.sent_at, "supervisor", who, f"{done}_on_time")

    # --- filing and closing: the duty chief -------------------------------------------------
    if filed is not None:
        chief, at, in_time = filed
        put(at, "duty_chief", chief, "filed")
        if in_time:
            put(at, "duty_chief", chief, "filed_on_time")
        if invalid_filing:
            put(at, "duty_chief", chief, "misfiled",
                ("voided_after_filing",) if voided_after_filing else ("closed_invalid",))
        put(at, "cell", cell, "filed")
    if last_close is not None:
        chief, at, _ = last_close
        put(at, "duty_chief", chief, "closings")
        if all(c[2] for c in closings):
            put(at, "duty_chief", chief, "closings_in_time")

    # --- dispatchers: once per (dispatcher, case) ----------------------------------------------
    by_dispatcher: dict[str, list] = {}
    for s in stints:
        by_dispatcher.setdefault(s.dispatcher[0], []).append(s)
    for who, mine in by_dispatcher.items():
        at = mine[0].dispatched_at
        put(at, "dispatcher", who, "dispatched")
        if all(s.dispatcher[1] for s in mine):
            put(at, "dispatcher", who, "dispatched_on_time")
        if mine[0].dispatcher[2]:
            put(at, "dispatcher", who, "followed_suggestion")
        returned = next((s for s in mine if s.returned), None)
        if returned is not None:
            put(at, "dispatcher", who, "misdispatched", ("returned_by", returned.dispatcher[3]))

    # --- the department that kept the case, and the case's cell -----------------------------
    kept = [s for s in stints if not s.returned]
    for s in kept:
        _department_facts(put, s, s is stints[-1], last_close, cell)
    return facts


def _department_facts(put, s: _Stint, final: bool, last_close, cell) -> None:
    dept, first = s.dept, s.cycles[0]
    put(s.dispatched_at, "department", dept, "dispatched")
    ends = [t for t in (first.deadline, first.handled_at, first.end) if t is not None]
    due_at = min(ends) if ends else None  # not due yet: suspended, or nothing came
    if due_at is not None:
        put(due_at, "department", dept, "due",
            ("due_handled", first.handled_at) if due_at == first.handled_at
            else ("due_deadline", first.deadline) if due_at == first.deadline
            else ("due_closed", first.end))
        last = s.cycles[-1]
        if last.handled_at is not None:
            put(due_at, "department", dept, "handled", ("handled", last.handled_at))
            if all(c.on_time for c in s.cycles):
                put(due_at, "department", dept, "handled_on_time",
                    ("all_cycles_on_time", len(s.cycles)))
    if s.postponed_at:
        put(s.postponed_at, "department", dept, "postponed")
    if s.suspended_at:
        put(s.suspended_at, "department", dept, "suspended")
    if s.reopened_at:
        put(s.reopened_at, "department", dept, "reopened")
    for start, end in s.open_spans:
        put(start, "department", dept, "unhandled", ("open_from", start))
        if end is not None:
            put(end, "department", dept, "unhandled", ("open_until", end), -1)
    if not final:
        return
    reworked = next((c.failed_check_at for c in s.cycles if c.failed_check_at), None)
    places = (("department", dept), ("cell", cell))
    if last_close is not None:
        at = last_close[1]
        for entity_type, entity in places:
            put(at, entity_type, entity, "closed", ("closed", at))
            if all(c.on_time for c in s.cycles):
                put(at, entity_type, entity, "closed_on_time",
                    ("all_cycles_on_time", len(s.cycles)))
            if reworked:
                put(at, entity_type, entity, "reworked", ("failed_check", reworked))
    for start, end, _cycle in _spans_of(s.cycles):
        for entity_type, entity in places:
            put(start, entity_type, entity, "overdue", ("past_deadline", start))
            if end is not None:
                put(end, entity_type, entity, "overdue", ("overdue_until", end), -1)
            if reworked and (end is None or reworked < end):
                since = max(start, reworked)
                put(since, entity_type, entity, "reworked_open", ("failed_check", reworked))
                if end is not None:
                    put(end, entity_type, entity, "reworked_open", ("overdue_until", end), -1)

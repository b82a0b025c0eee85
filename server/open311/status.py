"""Our states in Open311 words.

GeoReport v2 has two statuses: ``open`` (reported, being dealt with) and ``closed`` (resolved,
or finished without action); the detailed state goes into ``status_notes``. The
servicerequestupdates extension (mySociety's) has a longer list; ``EXTENDED`` maps each state
to it (lower case in GET answers, upper case in POSTs).
"""

from __future__ import annotations

from server.cases.models import Case
from workflows import Action, State

#: Finished states: the case needs nothing more (closed also by the callback's standard).
CLOSED_STATES = frozenset({State.CLOSED, State.REJECTED, State.VOIDED, State.MERGED})

EXTENDED = {
    State.REPORTED: "open", State.ACCEPTED: "open", State.VERIFYING: "investigating",
    State.FILED: "action_scheduled", State.DISPATCHED: "action_scheduled",
    State.HANDLING: "in_progress", State.RETURN_REQUESTED: "in_progress",
    State.POSTPONE_REQUESTED: "in_progress", State.SUSPEND_REQUESTED: "in_progress",
    State.SUSPENDED: "in_progress", State.HANDLED: "in_progress", State.CHECKING: "investigating",
    State.CHECKED: "fixed", State.CLOSED: "fixed", State.SELF_HANDLED: "fixed",
    State.REJECTED: "no_further_action", State.VOIDED: "no_further_action",
    State.MERGED: "duplicate",
}

#: What a client may send as ``status`` on servicerequestupdates POST: mySociety's list with
#: FixMyStreet's later additions (PLANNED, CANCELLED: the citizen withdrew the report). An
#: update is a comment for the centre and moves nothing; a CANCELLED one tells the centre the
#: report may be voided (作废), which only the centre's void step does.
EXTENDED_UPPER = ("OPEN", "CLOSED", "FIXED", "IN_PROGRESS", "ACTION_SCHEDULED", "INVESTIGATING",
                  "DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION",
                  "INTERNAL_REFERRAL", "REOPEN", "FOR_TRIAGE", "PLANNED", "CANCELLED")


def status_of(state: str) -> str:
    return "closed" if State(state) in CLOSED_STATES else "open"


def status_notes(case: Case) -> str:
    """The detailed state, Chinese and English (no internal reasons or names)."""
    state = State(case.state)
    note = f"{state.zh} {state.en}"
    if state == State.MERGED and case.merged_into:
        note += f": 与 {case.merged_into} 重复 duplicate of {case.merged_into}"
    elif state == State.VERIFYING:
        note += ": 监督员现场核实 a field supervisor is verifying on site"
    elif state == State.REPORTED:
        note += ": 待受理 waiting to be accepted"
    if case.reopen_count and state not in CLOSED_STATES:
        note += f" (回访后重办 reopened after callback ×{case.reopen_count})"
    return note


def extended_status(action: str, from_state: str, to_state: str) -> str:
    """The update status of one event: a callback that reopened the case is ``reopen``."""
    if action == Action.CALLBACK.value and to_state != State.CLOSED.value:
        return "reopen"
    return EXTENDED[State(to_state)]

"""The values the rules work on: a case snapshot, the actor, the decision, the refusal.

``CaseSnapshot`` mirrors the cached fields of the stored case one to one: a ``Decision``'s
``changes`` are field → value pairs for it, so the store applies them as they are and the event
log, replayed with ``workflows.replay``, rebuilds the same snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Mapping

from workflows.states import Action, Role, State

#: Channels whose reports need a verification (核实) before filing: the public ones.
PUBLIC_CHANNELS = frozenset({"hotline", "web", "open311", "video"})
#: Channels whose callers get a callback (回访) after closing.
CALLBACK_CHANNELS = frozenset({"hotline", "web", "open311"})


@dataclass(frozen=True)
class CaseSnapshot:
    state: State
    channel: str = "handset"
    reporter_id: int | None = None
    department_code: str | None = None
    verified: bool | None = None  # None: no verification needed; False: pending or not found
    assignee_id: int | None = None  # the supervisor holding the verify or check task
    condition_code: str = ""
    handle_limit_value: float | None = None
    handle_limit_unit: str = ""
    node: str = ""  # the running timer's node (accept, verify, file, dispatch, handle, ...)
    node_started_at: datetime | None = None
    yellow_at: datetime | None = None
    deadline: datetime | None = None
    light: str = ""  # green / yellow / red while a timer runs
    handle_started_at: datetime | None = None
    handle_deadline: datetime | None = None
    original_handle_deadline: datetime | None = None
    requested_extension_value: float | None = None
    requested_extension_unit: str = ""
    suspended_remaining: float | None = None  # in the handling limit's unit
    resume_state: str = ""  # where a refused return request goes back to
    handled_at: datetime | None = None
    closing_type: str = ""  # normal / overdue
    merged_into: str = ""
    satisfaction: int | None = None
    rework_count: int = 0
    return_count: int = 0
    postpone_count: int = 0
    suspend_count: int = 0
    reopen_count: int = 0
    urge_count: int = 0  # urges (督办) of the department
    urges_acknowledged: int = 0  # how many of them the department has read (督办已阅)
    version: int = 0

    def apply(self, changes: Mapping[str, Any]) -> "CaseSnapshot":
        values = dict(changes)
        if "state" in values:
            values["state"] = State(values["state"])
        return replace(self, **values)


SNAPSHOT_FIELDS = tuple(f.name for f in fields(CaseSnapshot))


@dataclass(frozen=True)
class Actor:
    """Who acts: a user id, one role, and the department for department users."""

    id: int
    role: Role
    department_code: str | None = None


@dataclass(frozen=True)
class Decision:
    """An allowed step: the new state and every snapshot field it changes (``changes`` always
    holds ``state``, and ``version`` for every step but a note (``NOTE_ACTIONS``), and the timer
    fields when a node starts or stops)."""

    action: Action
    from_state: State | None
    to_state: State
    changes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def deadline(self) -> datetime | None:
        return self.changes.get("deadline")


class Refused(Exception):
    """A step the rules do not allow. ``code`` is stable for clients; ``status`` is the HTTP
    status an API should answer with (403 wrong role or case, 409 wrong state or stale version,
    400 bad parameters); ``message`` says why in words a person can act on: in English, and,
    when it is a ``workflows.reasons.Reason`` (every refusal of the rules is), with the template
    and parameters a server fills in the user's language."""

    def __init__(self, code: str, message: str, status: int, *, state: State | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.state = state

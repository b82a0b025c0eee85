"""What a console needs to know about the workflow, read from ``workflows`` (never copied):
state and action labels (zh/en) and, per action, the form fields it asks for and whether it is
a note on the story (urge, comment) rather than a step that moves the case.

Fields are derived from the transition rows, so a new action or guard needs no console change:
a guard named ``requires_<param>`` makes ``<param>`` a required field; ``has_photo`` a required
photo; a few guards that check other parameters are listed in ``GUARD_FIELDS``; rows that differ
by ``outcome`` a required ``result`` choice; every action takes an optional note. Labels of
known parameters are below; an unknown one shows its name.

Pure: imports ``workflows`` only; the view in ``api.py`` serves the result as JSON.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import workflows
import workflows.guards as workflows_guards
import workflows.states as workflows_states

#: Parameter labels (zh, en) and input types (sent as "kind"); unknown parameters get
#: (name, name, "text").
PARAMS: dict[str, tuple[str, str, str]] = {
    "reason": ("原因", "Reason", "text"),
    "department_code": ("处置部门", "Department", "department"),
    "assignee": ("执行监督员", "Supervisor", "supervisor"),
    "into": ("合并到案件", "Merge into case", "text"),
    "extension_value": ("延期时长", "Extension", "number"),
    "extension_unit": ("单位", "Unit", "choice"),
    "satisfaction": ("满意度 (1–5)", "Satisfaction (1–5)", "choice"),
    "photo": ("现场照片", "Site photo", "photo"),
    "result": ("结果", "Result", "choice"),
    "note": ("备注", "Note", "text"),
    "level": ("督办级别", "Level", "choice"),
}

#: The label of the note when it is the step's point (an urge's or a comment's words).
NOTE_STEP_LABEL = ("意见", "Message")

#: Guards that ask for something other than one ``requires_<param>`` field: the fields they
#: mean, and whether the form must have them. ``requires_assignee_id`` is filled by the server
#: (the nearest supervisor on duty) unless the form names one as ``assignee``.
GUARD_FIELDS: dict[str, list[tuple[str, bool]]] = {
    "requires_assignee_id": [("assignee", False)],
    "requires_extension": [("extension_value", True), ("extension_unit", True)],
    "valid_satisfaction": [("satisfaction", True)],
    "valid_level": [("level", False)],
}

#: Choice labels (zh, en) for ``result`` outcomes and other choices; unknown ones show the code.
CHOICES: dict[str, tuple[str, str]] = {
    "fixed": ("已解决", "Fixed"), "not_fixed": ("未解决", "Not fixed"),
    "confirmed": ("属实", "Confirmed"), "not_found": ("不属实", "Not found"),
    "approved": ("同意", "Approved"), "refused": ("不同意", "Refused"),
    "satisfied": ("满意", "Satisfied"), "unsatisfied": ("不满意", "Unsatisfied"),
    "work_hours": ("工作时", "working hours"), "work_days": ("工作日", "working days"),
    "natural_hours": ("自然时", "natural hours"),
    "natural_minutes": ("自然分钟", "natural minutes"),
    "normal": ("一般督办", "Ordinary urge"), "high": ("重点督办", "Serious urge"),
}

#: Choices of fields that are not outcomes.
FIELD_CHOICES: dict[str, list[str]] = {
    "extension_unit": ["work_hours", "work_days", "natural_hours"],
    "satisfaction": ["5", "4", "3", "2", "1"],
    "level": list(workflows_guards.URGE_LEVELS),
}

#: Keyboard letters for frequent actions (the consoles also map 1–9 to the nth button). Never
#: j or k (they move the selection), ? (help) or a digit: a printed letter always does its action.
SHORTCUTS: dict[str, str] = {
    "accept": "a", "reject": "r", "file": "f", "void": "v", "dispatch": "d",
    "close": "c", "request_check": "h", "send_verify": "y", "merge": "m",
    "dept_accept": "a", "feedback": "b", "approve_return": "p", "approve_postpone": "p",
    "approve_suspend": "p",
}


def _field(name: str, required: bool, choices: list[str] | None = None) -> dict[str, Any]:
    zh, en, input_type = PARAMS.get(name, (name, name, "text"))
    out = {"name": name, "zh": zh, "en": en, "kind": input_type, "required": required}
    choices = choices if choices is not None else FIELD_CHOICES.get(name)
    if choices is not None:
        out["choices"] = [{"code": c, "zh": CHOICES.get(c, (c, c))[0],
                           "en": CHOICES.get(c, (c, c))[1]} for c in choices]
    return out


def _guard_fields(guard) -> list[tuple[str, bool]]:
    name = getattr(guard, "__name__", "")
    if name in GUARD_FIELDS:
        return GUARD_FIELDS[name]
    if name.startswith("requires_"):
        return [(name[len("requires_"):], True)]
    if name == "has_photo":
        return [("photo", True)]
    return []


def action_fields(action) -> list[dict[str, Any]]:
    """The form of one action: a result choice when its rows differ by outcome, then the fields
    its guards ask for (required only when every row's guards require it: a failed check may
    need a reason that a passed one does not; the server's guards have the last word), then an
    optional note (required, and not repeated, when a guard asks for it: a note step)."""
    rows = [t for t in workflows.TRANSITIONS if t.action == action]
    per_row = [dict(f for g in row.guards for f in _guard_fields(g)) for row in rows]
    names: list[str] = []
    for fields in per_row:
        names += [n for n in fields if n not in names]
    out = []
    outcomes = [r.outcome for r in rows if r.outcome]
    if outcomes:
        out.append(_field("result", True, outcomes))
    for n in sorted(names, key=lambda n: n == "photo"):  # the photo last, before the note
        out.append(_field(n, all(f.get(n, False) for f in per_row)))
        if n == "note":
            out[-1]["zh"], out[-1]["en"] = NOTE_STEP_LABEL
    if "note" not in names:
        out.append(_field("note", False))
    return out


def _final_states() -> set:
    final = getattr(workflows_states, "FINAL_STATES", None)
    if final is not None:
        return set(final)
    # Reached by some action and left by none.
    sources = set().union(*(t.sources for t in workflows.TRANSITIONS))
    return {t.target for t in workflows.TRANSITIONS if t.target is not None} - sources


@lru_cache(maxsize=1)
def workflow_description() -> dict[str, Any]:
    """States, actions (with fields and shortcut letters) and roles, each with zh/en labels,
    and which actions each role has in each state. Computed once (the table is code); callers
    must not change it."""
    final = _final_states()
    states = [{"code": s.value, "zh": s.zh, "en": s.en, "final": s in final}
              for s in workflows.State]
    # "note": the step only adds to the story (urge, comment): a console offers it with the
    # case's story, not among the steps that move the case on.
    actions = [{"code": a.value, "zh": a.zh, "en": a.en, "fields": action_fields(a),
                "shortcut": SHORTCUTS.get(a.value, ""),
                "note": a in workflows_states.NOTE_ACTIONS}
               for a in workflows.Action]
    roles = [{"code": r.value, "zh": r.zh, "en": r.en} for r in workflows.Role]
    # role -> state -> the buttons (``workflows.allowed_actions``, the very rule the API's
    # ``actions`` comes from): a console renders a pushed case without asking for it again.
    allowed = {r.value: {s.value: [a.value for a in workflows.allowed_actions(
        workflows.CaseSnapshot(state=s), r)] for s in workflows.State} for r in workflows.Role}
    return {"states": states, "actions": actions, "roles": roles, "allowed": allowed}

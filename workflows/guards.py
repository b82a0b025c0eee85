"""Guards: plain predicates that return the reason a step is refused, or None.

A guard's name says what it checks (``render`` lists them in docs/workflow.md, and the consoles
read ``requires_<param>`` names to know which fields an action's form needs).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping

from workflows.case import CALLBACK_CHANNELS, PUBLIC_CHANNELS, Actor, CaseSnapshot
from workflows.calendar import Unit

Guard = Callable[[CaseSnapshot, Actor, Mapping[str, Any], datetime], "str | None"]

#: Guards whose refusal is about who acts (403), not about what was sent (400).
ACCESS_GUARDS: set[str] = set()


def _access(fn: Guard) -> Guard:
    ACCESS_GUARDS.add(fn.__name__)
    return fn


#: Guards whose refusal is about what the case holds now, not about what was sent: 409 with
#: their own refusal code (guard name -> code), so a client can tell "someone did it already".
CONFLICT_GUARDS: dict[str, str] = {}


def _conflict(code: str) -> Callable[[Guard], Guard]:
    def mark(fn: Guard) -> Guard:
        CONFLICT_GUARDS[fn.__name__] = code
        return fn
    return mark


def requires(name: str, what: str = "") -> Guard:
    def guard(case, actor, params, now):
        value = params.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return f"'{name}' is required" + (f": {what}" if what else "")
        return None

    guard.__name__ = f"requires_{name}"
    return guard


requires_reason = requires("reason", "say why")
requires_department_code = requires("department_code", "the department to send the case to")
requires_assignee_id = requires("assignee_id", "the supervisor who does the task")
requires_into = requires("into", "the number of the case this one duplicates")
requires_note = requires("note", "the words to add to the case's story")

#: Longest note an urge (督办) or a comment (批转意见) may carry: it is read in a banner and in
#: the case's story, not an essay.
NOTE_MAX = 500
#: Levels of an urge (督办级别): an ordinary urge and a serious one (重点督办).
URGE_LEVELS = ("normal", "high")


def short_note(case, actor, params, now):
    if len(str(params.get("note") or "")) > NOTE_MAX:
        return f"'note' is too long: at most {NOTE_MAX} characters"
    return None


def valid_level(case, actor, params, now):
    level = params.get("level")
    if level not in (None, "") and level not in URGE_LEVELS:
        return f"'level' must be one of: {', '.join(URGE_LEVELS)}"
    return None


def has_photo(case, actor, params, now):
    if int(params.get("photo_count") or 0) < 1:
        return "'photo' is required: a photo of the site"
    return None


@_access
def own_department(case, actor, params, now):
    if actor.department_code != case.department_code:
        return f"case is assigned to department {case.department_code!r}, not to yours"
    return None


@_access
def assigned_to_actor(case, actor, params, now):
    if case.assignee_id != actor.id:
        return "this task is assigned to another supervisor"
    return None


@_access
def own_report(case, actor, params, now):
    if case.reporter_id != actor.id:
        return "only the supervisor who reported a case may self-handle it"
    return None


@_access
def sees_case(case, actor, params, now):
    """The case is one the actor reads (the server's access module answers the same question
    for lists and pages): a department its own cases, a supervisor what they reported or hold
    a task of; the centres and leaders every case."""
    if actor.role.value == "department" and actor.department_code != case.department_code:
        return f"case is assigned to department {case.department_code!r}, not to yours"
    if actor.role.value == "supervisor" and actor.id not in (case.reporter_id, case.assignee_id):
        return "only the supervisor who reported a case or holds its task may comment on it"
    return None


@_conflict("nothing_to_acknowledge")
def urge_waiting(case, actor, params, now):
    """An urge (督办) the department has not acknowledged yet: someone at the terminal (or on
    another of the department's screens) may have acknowledged it a moment ago."""
    if case.urges_acknowledged >= case.urge_count:
        return "no urge of this case is waiting to be acknowledged"
    return None


def verified_if_public(case, actor, params, now):
    if case.channel not in PUBLIC_CHANNELS or case.verified is True:
        return None
    if case.verified is False:
        return "the verification (核实) found no problem on site: void the case instead"
    return f"a {case.channel} report must be verified on site (核实) before filing"


def before_handle_deadline(case, actor, params, now):
    if case.handle_deadline is not None and now >= case.handle_deadline:
        return "postponement must be asked before the handling deadline"
    return None


def requires_extension(case, actor, params, now):
    try:
        value = float(params.get("extension_value"))
        Unit(params.get("extension_unit") or "")
    except (TypeError, ValueError):
        units = ", ".join(u.value for u in Unit)
        return f"'extension_value' (a number) and 'extension_unit' ({units}) are required"
    if not 0 < value <= 1000:
        return "'extension_value' must be between 0 and 1000"
    return None


def callback_channel(case, actor, params, now):
    if case.channel not in CALLBACK_CHANNELS:
        return f"only public reports get a callback, not {case.channel} reports"
    return None


def valid_satisfaction(case, actor, params, now):
    try:
        value = int(params.get("satisfaction"))
    except (TypeError, ValueError):
        return "'satisfaction' must be a whole number from 1 to 5"
    if not 1 <= value <= 5:
        return "'satisfaction' must be from 1 to 5"
    return None


def valid_light(case, actor, params, now):
    if params.get("light") not in ("yellow", "red"):
        return "'light' must be yellow or red"
    if not case.node or case.light == params["light"]:
        return "no timer change to record"
    return None


def not_merged_into_itself(case, actor, params, now):
    if params.get("into") and params.get("into") == params.get("number"):
        return "a case cannot be merged into itself"
    return None

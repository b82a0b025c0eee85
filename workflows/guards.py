"""Guards: plain predicates that return the reason a step is refused, or None.

A guard's name says what it checks (``render`` lists them in docs/workflow.md, and the consoles
read ``requires_<param>`` names to know which fields an action's form needs).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping

from workflows.case import CALLBACK_CHANNELS, PUBLIC_CHANNELS, Actor, CaseSnapshot
from workflows.calendar import Unit
from workflows.reasons import Reason, channel, choices, field

#: A guard answers None, or the ``Reason`` the step is refused for.
Guard = Callable[[CaseSnapshot, Actor, Mapping[str, Any], datetime], "Reason | None"]

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
    """A guard refusing a step without parameter ``name``; ``what`` (English, a translatable
    sentence of its own with it) says what to give."""
    template = "%(field)s is required" + (f": {what}" if what else "")

    def guard(case, actor, params, now):
        value = params.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return Reason(template, field=field(name))
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
        return Reason("%(field)s is too long: at most %(n)s characters", field=field("note"),
                      n=NOTE_MAX)
    return None


def valid_level(case, actor, params, now):
    level = params.get("level")
    if level not in (None, "") and level not in URGE_LEVELS:
        return Reason("%(field)s must be one of: %(choices)s", field=field("level"),
                      choices=choices(URGE_LEVELS))
    return None


def has_photo(case, actor, params, now):
    if int(params.get("photo_count") or 0) < 1:
        return Reason("%(field)s is required: a photo of the site", field=field("photo"))
    return None


@_access
def own_department(case, actor, params, now):
    if actor.department_code != case.department_code:
        return _not_your_department(case)
    return None


def _not_your_department(case) -> Reason:
    if case.department_code is None:
        return Reason("case is assigned to no department yet")
    return Reason("case is assigned to department %(department)s, not to yours",
                  department=repr(case.department_code))


@_access
def assigned_to_actor(case, actor, params, now):
    if case.assignee_id != actor.id:
        return Reason("this task is assigned to another supervisor")
    return None


@_access
def own_report(case, actor, params, now):
    if case.reporter_id != actor.id:
        return Reason("only the supervisor who reported a case may self-handle it")
    return None


@_access
def sees_case(case, actor, params, now):
    """The case is one the actor reads (the server's access module answers the same question
    for lists and pages): a department its own cases, a supervisor what they reported or hold
    a task of; the centres and leaders every case."""
    if actor.role.value == "department" and actor.department_code != case.department_code:
        return _not_your_department(case)
    if actor.role.value == "supervisor" and actor.id not in (case.reporter_id, case.assignee_id):
        return Reason("only the supervisor who reported a case or holds its task may comment "
                      "on it")
    return None


@_conflict("nothing_to_acknowledge")
def urge_waiting(case, actor, params, now):
    """An urge (督办) the department has not acknowledged yet: someone at the terminal (or on
    another of the department's screens) may have acknowledged it a moment ago."""
    if case.urges_acknowledged >= case.urge_count:
        return Reason("no urge of this case is waiting to be acknowledged")
    return None


def verified_if_public(case, actor, params, now):
    if case.channel not in PUBLIC_CHANNELS or case.verified is True:
        return None
    if case.verified is False:
        return Reason("the verification found no problem on site: void the case instead")
    return Reason("a %(channel)s report must be verified on site before filing",
                  channel=channel(case.channel))


def before_handle_deadline(case, actor, params, now):
    if case.handle_deadline is not None and now >= case.handle_deadline:
        return Reason("postponement must be asked before the handling deadline")
    return None


def requires_extension(case, actor, params, now):
    try:
        value = float(params.get("extension_value"))
        Unit(params.get("extension_unit") or "")
    except (TypeError, ValueError):
        return Reason("%(value)s (a number) and %(unit)s (%(units)s) are required",
                      value=field("extension_value"), unit=field("extension_unit"),
                      units=choices(u.value for u in Unit))
    if not 0 < value <= 1000:
        return Reason("%(field)s must be between %(lo)s and %(hi)s",
                      field=field("extension_value"), lo=0, hi=1000)
    return None


def callback_channel(case, actor, params, now):
    if case.channel not in CALLBACK_CHANNELS:
        return Reason("only public reports get a callback, not %(channel)s reports",
                      channel=channel(case.channel))
    return None


def valid_satisfaction(case, actor, params, now):
    try:
        value = int(params.get("satisfaction"))
    except (TypeError, ValueError):
        return Reason("%(field)s must be a whole number from %(lo)s to %(hi)s",
                      field=field("satisfaction"), lo=1, hi=5)
    if not 1 <= value <= 5:
        return Reason("%(field)s must be from %(lo)s to %(hi)s", field=field("satisfaction"),
                      lo=1, hi=5)
    return None


def valid_light(case, actor, params, now):
    if params.get("light") not in ("yellow", "red"):
        return Reason("%(field)s must be yellow or red", field=field("light"))
    if not case.node or case.light == params["light"]:
        return Reason("no timer change to record")
    return None


def not_merged_into_itself(case, actor, params, now):
    if params.get("into") and params.get("into") == params.get("number"):
        return Reason("a case cannot be merged into itself")
    return None

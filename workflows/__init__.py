"""Pure domain rules of the closed loop (七步闭环): states, roles, the transition table, guards,
node time limits on a working calendar, traffic lights, and the replay of the event log.

Owns: which action a role may take on a case in a given state, what follows, when each node's
time runs out, and why a step is refused. Nothing here touches a database, a clock or the
network: callers pass a snapshot of the case, the actor, the time and the rules, and get a
``Decision`` back or a ``Refused``.

Must not import: Django, Kivy, or anything from ``server/``, ``mobileapp/`` or ``gridmaps/``.
``server/cases/actions.py`` is the one caller that turns a Decision into stored state.
"""

from workflows.case import Actor, CaseSnapshot, Decision, Refused
from workflows.engine import allowed_actions, decide, light_at
from workflows.rules import Rules, default_rules
from workflows.states import NOTE_ACTIONS, SYSTEM_ACTIONS, Action, Role, State
from workflows.table import TRANSITIONS

__all__ = [
    "NOTE_ACTIONS",
    "SYSTEM_ACTIONS",
    "Action",
    "Actor",
    "CaseSnapshot",
    "Decision",
    "Refused",
    "Role",
    "Rules",
    "State",
    "TRANSITIONS",
    "allowed_actions",
    "decide",
    "default_rules",
    "light_at",
]

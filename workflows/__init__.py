"""Pure domain rules of the closed loop (七步闭环): states, roles, the transition table, guards.

Owns: which action a role may take on a case in a given state, what state follows, and why a
step is refused. Nothing here touches a database, a clock or the network: callers pass a
snapshot of the case, the actor and the time, and get a ``Decision`` back or a ``Refused``.

Must not import: Django, Kivy, or anything from ``server/``, ``mobileapp/`` or ``gridmaps/``.
``server/cases/actions.py`` is the one caller that turns a Decision into stored state.
"""

from workflows.states import Action, Role, State
from workflows.transitions import (
    TRANSITIONS,
    Actor,
    CaseSnapshot,
    Decision,
    Refused,
    allowed_actions,
    decide,
)

__all__ = [
    "Action",
    "Actor",
    "CaseSnapshot",
    "Decision",
    "Refused",
    "Role",
    "State",
    "TRANSITIONS",
    "allowed_actions",
    "decide",
]

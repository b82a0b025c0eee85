"""Who gets a field task (核实 verify, 核查 check) when the form names nobody: the nearest
supervisor on duty, ranked as the supervisor picker ranks them (``server.field.candidates``:
the last patrol-track point of the shift, else the duty grid), ties by username; else a
supervisor of the duty grid (责任网格) holding the case's cell, in the order the map lists them;
else any active supervisor (lowest id), so a task is never left without someone.

The ranking lives with attendance and patrol tracks in the field app, which sits above this one:
it registers itself here at start-up (``use_nearest``) instead of being imported.
"""

from __future__ import annotations

from typing import Callable

from server.accounts.models import User
from server.cases.models import Case
from workflows import Role

#: The nearest supervisor on duty for a case, or None: set by ``use_nearest`` at start-up.
_nearest: Callable[[Case], User | None] | None = None


def use_nearest(finder: Callable[[Case], User | None]) -> None:
    """Register how the nearest supervisor on duty is found (the field app does, once)."""
    global _nearest
    _nearest = finder


def grid_supervisors(case: Case) -> list[str]:
    from server.maps.index import place

    try:
        _, placement = place(case.location.x, case.location.y)
    except Exception:  # no map, or the map changed under the case: fall back below
        return []
    return list(getattr(placement, "supervisors", ()) or ())


def pick_supervisor(case: Case) -> User | None:
    if _nearest is not None:
        nearest = _nearest(case)
        if nearest is not None:
            return nearest
    supervisors = User.objects.filter(role=Role.SUPERVISOR.value, is_active=True)
    for username in grid_supervisors(case):
        user = supervisors.filter(username=username).first()
        if user is not None:
            return user
    return supervisors.order_by("id").first()


def resolve_supervisor(value) -> User | None:
    """A supervisor named by id or username, or None."""
    supervisors = User.objects.filter(role=Role.SUPERVISOR.value, is_active=True)
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return supervisors.filter(pk=int(value)).first()
    return supervisors.filter(username=value).first()

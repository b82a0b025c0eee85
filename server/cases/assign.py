"""Who gets a field task (核实 verify, 核查 check): the nearest on-duty supervisor of the duty
grid (责任网格) holding the case's cell.

Today "on duty" and "nearest" have no data behind them yet (clock-in and patrol tracks arrive
with the handset): the grid's supervisors are all taken as on duty, in the order the map lists
them. A case outside every duty grid goes to any active supervisor (lowest id), so a task is
never left without someone.
"""

from __future__ import annotations

from server.accounts.models import User
from server.cases.models import Case
from workflows import Role


def grid_supervisors(case: Case) -> list[str]:
    from server.maps.index import place

    try:
        _, placement = place(case.location.x, case.location.y)
    except Exception:  # no map, or the map changed under the case: fall back below
        return []
    return list(getattr(placement, "supervisors", ()) or ())


def pick_supervisor(case: Case) -> User | None:
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

"""Who may hear what: checked once when a socket connects and once per subscription.

A socket joins, at connect, the groups its user's role implies (the centres: every case; a
department: its own; a supervisor: their reports and waiting checks). Narrower groups (one case,
one grid cell) are joined only through a ``subscribe`` message, and each name is checked here
against ``server.cases.selectors.visible_cases``, the same rule the REST API applies, so the
websocket never shows a case the API would hide.

Sync functions (ORM): consumers call them through ``database_sync_to_async``.
"""

from __future__ import annotations

from server.cases.selectors import CENTER_ROLES, visible_cases
from server.realtime.groups import CENTER, case_group, dept_group, grid_group, role_group, user_group
from workflows import Role


def role_of(user) -> Role | None:
    try:
        return Role(user.role) if user.role else None
    except ValueError:
        return None


def groups_at_connect(user) -> list[str]:
    """The groups a user's sockets join when they connect; empty means refuse the socket."""
    role = role_of(user)
    # Only people listen: the system accounts (timers, camera platforms, Open311 clients) act
    # but never hear, so a leaked system token opens no stream.
    if role in CENTER_ROLES:
        wide = CENTER
    elif role == Role.DEPARTMENT and user.department_id:
        wide = dept_group(user.department.code)
    elif role == Role.SUPERVISOR:
        wide = role_group(Role.SUPERVISOR)
    else:
        return []
    return [user_group(user.pk), wide]


def check_subscription(user, cases: list[str], grids: list[str]) -> tuple[list[str], list[str]]:
    """Split requested names into (groups allowed, names refused).

    A case is allowed when the user may read it now (``visible_cases``); an unknown case and a
    hidden one are refused alike, so the answer does not reveal that a case exists. A grid cell
    is allowed to the centres only: they see every case, so a cell's stream tells them nothing
    new; for others a cell stream would show cases ``visible_cases`` hides.
    """
    allowed: list[str] = []
    refused: list[str] = []
    if cases:
        ids = dict(visible_cases(user).filter(number__in=cases).values_list("number", "pk"))
        for number in cases:
            if number in ids:
                allowed.append(case_group(ids[number]))
            else:
                refused.append(number)
    for cell in grids:
        if role_of(user) in CENTER_ROLES:
            allowed.append(grid_group(cell))
        else:
            refused.append(cell)
    return allowed, refused


"""The websocket's side of ``server.accounts.access``: its answers as group names.

Checked when a socket connects and once per subscription; then, per live event, whether the
socket still hears it (``groups_at_connect``'s check, ``access.Hearing.hears``). At connect a
socket joins the user's own group and the wide group of what ``access.hearing`` says they
hear (the centres: every case; a department: its own; a supervisor: the supervisors' waiting
checks). Narrower
groups (one case, one grid cell) are joined only through a ``subscribe`` message: a case when
``access.visible_cases`` holds it, the same rule the REST API applies, so the websocket never
shows a case the API would hide; a cell with ``Ability.FOLLOW_CELLS``. No rule is decided here.

Sync functions (ORM): consumers call them through ``database_sync_to_async``.
"""

from __future__ import annotations

from typing import Callable

from server.accounts import access
from server.accounts.access import Ability
from server.realtime.groups import (CENTER, case_group, dept_group, grid_group, role_group,
                                    user_group)
from server.realtime.send import Audience


def groups_at_connect(user) -> tuple[list[str], Callable[[Audience], bool] | None]:
    """The groups a user's sockets join when they connect (empty: refuse the socket), and the
    check each live event then passes for the socket (``hub.Listener.hears``): None for those
    who hear every case, else ``access.Hearing.hears`` on the event's audience, so a case
    followed while the user could see it stops flowing once it changes hands."""
    hears = access.hearing(user)
    if hears is None:
        return [], None
    if hears.everything:
        return [user_group(user.pk), CENTER], None
    if hears.department_code is not None:
        wide = dept_group(hears.department_code)
    else:
        wide = role_group(hears.role)

    def check(audience: Audience) -> bool:
        return hears.hears(audience["departments"], audience["people"])

    return [user_group(user.pk), wide], check


def check_subscription(user, cases: list[str], grids: list[str]) -> tuple[list[str], list[str]]:
    """Split requested names into (groups allowed, names refused). An unknown case and a hidden
    one are refused alike, so the answer does not reveal that a case exists."""
    allowed: list[str] = []
    refused: list[str] = []
    if cases:
        ids = dict(access.visible_cases(user).filter(number__in=cases)
                   .values_list("number", "pk"))
        for number in cases:
            if number in ids:
                allowed.append(case_group(ids[number]))
            else:
                refused.append(number)
    follows_cells = bool(grids) and access.may(user, Ability.FOLLOW_CELLS)
    for cell in grids:
        if follows_cells:
            allowed.append(grid_group(cell))
        else:
            refused.append(cell)
    return allowed, refused

"""Every websocket group name, in one place. Channels allows ASCII letters, digits, hyphens,
periods and underscores, under 100 characters; department codes are ASCII by contract.

Who joins which group, and when, is decided in ``server.accounts.access`` and turned into these
names by ``server.realtime.access``; who a case event is sent to, in
``server.realtime.send.groups_for``. Both use only these functions.
"""

from __future__ import annotations

import re

from workflows import Role

_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,90}$")

#: Acceptors, duty chiefs, dispatchers, call-takers and leaders: every case event.
CENTER = "center"


def _checked(name: str) -> str:
    if not _SAFE.match(name):
        raise ValueError(f"invalid group name {name!r}")
    return name


def dept_group(code: str) -> str:
    """A department's terminals: cases dispatched to it (and the event that takes one away)."""
    return _checked(f"dept.{code}")


def role_group(role: Role) -> str:
    """Everyone with a role; today only supervisors, for check tasks (核查) waiting."""
    return _checked(f"role.{role.value}")


def user_group(user_id: int) -> str:
    """One user's sockets: the cases they reported."""
    return _checked(f"user.{user_id}")


def case_group(case_id: int) -> str:
    """Followers of one case (a detail page): joined by an explicit, checked subscription."""
    return _checked(f"case.{int(case_id)}")


def grid_group(cell_code: str) -> str:
    """Followers of one unit grid cell (单元网格); a duty grid (责任网格) is a set of cells, so a
    terminal watching a duty grid joins the groups of its cells."""
    return _checked(f"grid.{cell_code}")

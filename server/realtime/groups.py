"""Every websocket group name, in one place. Channels allows ASCII letters, digits, hyphens,
periods and underscores, under 100 characters; department codes are ASCII by contract."""

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
    return _checked(f"dept.{code}")


def role_group(role: Role) -> str:
    return _checked(f"role.{role.value}")


def user_group(user_id: int) -> str:
    return _checked(f"user.{user_id}")

"""Load a ``gridmaps.model.City`` into the database as a new, active map version, with its
departments, one demo user per role and every supervisor its duty grids name. Used by
``manage.py load_demo_city`` and by tests. Storing itself is ``server.maps.store.store_city``."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from gridmaps.model import City
from server.accounts.models import Department, User
from server.accounts.staff import grant_admin
from server.maps.store import store_city
from workflows import Role

DEMO_PASSWORD = "demo-dcm-2026"

#: username → (role, department code or None). Department users are added for every department.
DEMO_USERS = {
    "supervisor": (Role.SUPERVISOR, None),
    "acceptor": (Role.ACCEPTOR, None),
    "dutychief": (Role.DUTY_CHIEF, None),
    "dispatcher": (Role.DISPATCHER, None),
    "calltaker": (Role.CALL_TAKER, None),
    "leader": (Role.LEADER, None),
    "mapkeeper": (Role.MAPKEEPER, None),
}


@dataclass(frozen=True)
class LoadResult:
    version_id: int
    streets: int
    communities: int
    cells: int
    components: int
    departments: int
    users: list[tuple[str, str, str]]  # (username, role, department code)
    duty_grids: int = 0
    places: int = 0


@transaction.atomic
def load_city(city: City, *, label: str, source: str = "gridmaps.demo",
              with_users: bool = True) -> LoadResult:
    """Store ``city`` as a new map version and activate it (the previous one is deactivated in
    the same transaction, so placement never sees two or none). Supervisors named by its duty
    grids are created (role supervisor, the demo password) whether or not ``with_users``."""
    # One hash for every demo account: they share the published demo password anyway, and
    # hashing it once per user (PBKDF2) was most of the demo's load time.
    password = make_password(DEMO_PASSWORD)
    supervisors = {u: (Role.SUPERVISOR, None) for g in city.duty_grids for u in g.supervisor_usernames}
    _ensure_users(supervisors, password, departments={}, named=True)
    version = store_city(city, label=label, source=source, activate=True)
    users: list[tuple[str, str, str]] = []
    if with_users:
        wanted = dict(DEMO_USERS)
        departments = {d.code: d for d in Department.objects.all()}
        for code in departments:
            wanted[f"dept_{code}"] = (Role.DEPARTMENT, code)
        _ensure_users(wanted, password, departments)
        # The demo map keeper works in the admin (map versions, duty grids, component updates).
        for user in User.objects.filter(username__in=wanted, role=Role.MAPKEEPER.value):
            grant_admin(user)
        users = [(u, role.value, dept or "") for u, (role, dept) in wanted.items()]
    return LoadResult(version.pk, len(city.streets), len(city.communities), len(city.cells),
                      len(city.components), len(city.departments), users, len(city.duty_grids),
                      len(city.places))


#: The supervisors duty grids name get a plausible name (姓 + 名) from their username, the same on every load,
#: so the consoles' supervisor picker shows people, not only sup_001 ... sup_237.
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "文", "华", "志强", "海燕", "丹")


def demo_name(username: str) -> str:
    """A Chinese full name for a demo account, derived from ``username`` (stable)."""
    n = zlib.crc32(username.encode())
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]


def _ensure_users(wanted: dict[str, tuple[Role, str | None]], password: str,
                  departments: dict[str, Department], named: bool = False) -> None:
    """Create the users of ``wanted`` that do not exist yet (``named``: with a demo name);
    existing ones are left alone."""
    existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    User.objects.bulk_create([
        User(username=u, role=role.value, department=departments.get(dept) if dept else None, password=password,
             first_name=demo_name(u) if named else "")
        for u, (role, dept) in wanted.items() if u not in existing])

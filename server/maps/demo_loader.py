"""Load a ``gridmaps.model.City`` into the database as a new, active map version, with its
departments, one demo user per role and every supervisor its duty grids name. Used by
``manage.py load_demo_city`` and by tests. Storing itself is ``server.maps.store.store_city``."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from gridmaps.model import City
from server.accounts.models import Department, User
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
    _ensure_users(supervisors, password, departments={})
    version = store_city(city, label=label, source=source, activate=True)
    users: list[tuple[str, str, str]] = []
    if with_users:
        wanted = dict(DEMO_USERS)
        departments = {d.code: d for d in Department.objects.all()}
        for code in departments:
            wanted[f"dept_{code}"] = (Role.DEPARTMENT, code)
        _ensure_users(wanted, password, departments)
        users = [(u, role.value, dept or "") for u, (role, dept) in wanted.items()]
    return LoadResult(version.pk, len(city.streets), len(city.communities), len(city.cells),
                      len(city.components), len(city.departments), users, len(city.duty_grids),
                      len(city.places))


def _ensure_users(wanted: dict[str, tuple[Role, str | None]], password: str,
                  departments: dict[str, Department]) -> None:
    """Create the users of ``wanted`` that do not exist yet; existing ones are left alone."""
    existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    User.objects.bulk_create([
        User(username=u, role=role.value, department=departments.get(dept) if dept else None, password=password)
        for u, (role, dept) in wanted.items() if u not in existing])

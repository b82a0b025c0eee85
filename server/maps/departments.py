"""Departments versioned with the map (专业部门随网格版本).

A map version lists its departments in ``MapDepartment`` rows, written by ``store_city`` with
the rest of the version; storing touches no live department. The live table
(``accounts.Department``, which cases, users and dispatch point at) follows the active version:
``apply(target, replaced)`` runs inside the activation's transaction
(``server.maps.versions.activate``) and

- creates the departments the target lists that do not exist yet,
- renames (name, responsibility, territory street) the ones it lists differently, and reactivates them,
- deactivates (``active=False``) those the replaced version listed and the target does not.

Rows are matched by code and never deleted or replaced, so a case's department and a
department user (``dept_<CODE>``) keep pointing at the same row whatever is activated; a
rollback is an activation of the older version, so it restores the older names and set.
Departments no map version lists (added in the admin) are left alone.

The accounts a version lists for a department (a departments file's ``accounts``) are created
on activation, as users with role department of that department and no usable password (the
admin sets one, or the user resets it); an existing user of that name is left as it is, except
that a department user without a department is given this one.
"""

from __future__ import annotations

from typing import Iterable

from django.contrib.auth.hashers import make_password

from gridmaps.model import Department as CityDepartment
from server.accounts.models import Department, User
from workflows import Role
from server.maps.models import MapDepartment, MapVersion

__all__ = ["apply", "stage", "territory_street"]


def territory_street(code: str, responsibility: str, street_code: str = "") -> str:
    """The street a territory department answers for (``Department.street_code``): the one
    its row names, else the street of a code ``ST<street code>`` (the demo's and the import's
    convention); others answer for none."""
    if responsibility != "territory":
        return ""
    return street_code or (code[2:] if code.startswith("ST") and code[2:].isdigit() else "")


def stage(version: MapVersion, departments: Iterable[CityDepartment]) -> None:
    """Write ``departments`` as the ones ``version`` lists (in the given order)."""
    MapDepartment.objects.bulk_create(
        [MapDepartment(version=version, code=d.code, name=d.name, responsibility=d.kind,
                       street_code=territory_street(d.code, d.kind, d.street_code), name_en=d.name_en,
                       class_codes=list(d.class_codes), accounts=list(d.accounts)) for d in departments],
        batch_size=1000)


def apply(target: MapVersion, replaced: MapVersion | None) -> dict[str, int]:
    """Make the live departments those ``target`` lists (see the module's contract). Call it in
    the activation's transaction, with the version rows locked. Returns the counts of
    departments created, changed and deactivated."""
    wanted = list(MapDepartment.objects.filter(version=target).order_by("pk"))
    codes = {d.code for d in wanted}
    live = {d.code: d for d in Department.objects.select_for_update().filter(code__in=codes)}
    new, changed = [], []
    for d in wanted:
        row = live.get(d.code)
        if row is None:
            new.append(Department(code=d.code, name=d.name, responsibility=d.responsibility,
                                   street_code=d.street_code, name_en=d.name_en, class_codes=d.class_codes))
            continue
        values = (d.name, d.responsibility, d.street_code or row.street_code, True, d.name_en, d.class_codes)
        if (row.name, row.responsibility, row.street_code, row.active, row.name_en, row.class_codes) != values:
            row.name, row.responsibility, row.street_code, row.active, row.name_en, row.class_codes = values
            changed.append(row)
    Department.objects.bulk_create(new)
    Department.objects.bulk_update(changed, ["name", "responsibility", "street_code", "active", "name_en",
                                             "class_codes"])
    _create_accounts(wanted)
    gone = 0
    if replaced is not None:
        dropped = [c for c in MapDepartment.objects.filter(version=replaced)
                   .values_list("code", flat=True) if c not in codes]
        gone = Department.objects.filter(code__in=dropped, active=True).update(active=False)
    return {"created": len(new), "changed": len(changed), "deactivated": gone}


def _create_accounts(wanted: list[MapDepartment]) -> int:
    """Create the department accounts the version lists that do not exist (see the module's
    contract); returns how many were created."""
    owner = {u: d.code for d in wanted for u in d.accounts}
    if not owner:
        return 0
    departments = dict(Department.objects.filter(code__in=set(owner.values())).values_list("code", "pk"))
    existing = {u.username: u for u in User.objects.filter(username__in=owner)}
    unusable = make_password(None)
    User.objects.bulk_create([
        User(username=u, role=Role.DEPARTMENT.value, department_id=departments[code], password=unusable)
        for u, code in owner.items() if u not in existing])
    for u in existing.values():
        if u.role == Role.DEPARTMENT.value and u.department_id is None:
            User.objects.filter(pk=u.pk).update(department_id=departments[owner[u.username]])
    return len(owner) - len(existing)

"""Load a ``gridmaps.model.City`` into the database as a new, active map version, with its
departments and one demo user per role. Used by ``manage.py load_demo_city`` and by tests."""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from gridmaps.model import City
from server.accounts.models import Department, User
from server.maps.models import Cell, Community, Component, MapVersion, Street
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
}


def _geos(geom, multi: bool = False) -> GEOSGeometry:
    g = GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=4326)
    if multi and g.geom_type == "Polygon":
        g = MultiPolygon(g, srid=4326)
    return g


@dataclass(frozen=True)
class LoadResult:
    version_id: int
    streets: int
    communities: int
    cells: int
    components: int
    departments: int
    users: list[tuple[str, str, str]]  # (username, role, department code)


@transaction.atomic
def load_city(city: City, *, label: str, source: str = "gridmaps.demo",
              with_users: bool = True) -> LoadResult:
    """Store ``city`` as a new map version and activate it (the previous one is deactivated in
    the same transaction, so placement never sees two or none)."""
    version = MapVersion.objects.create(label=label, source=source, active=False)
    Street.objects.bulk_create(
        [Street(version=version, code=s.code, name=s.name, geom=_geos(s.geometry, True))
         for s in city.streets], batch_size=500)
    Community.objects.bulk_create(
        [Community(version=version, code=c.code, name=c.name, street_code=c.street_code,
                   geom=_geos(c.geometry, True)) for c in city.communities], batch_size=500)
    Cell.objects.bulk_create(
        [Cell(version=version, code=c.code, community_code=c.community_code,
              street_code=c.street_code, area_m2=c.area_m2, geom=_geos(c.geometry, True))
         for c in city.cells], batch_size=1000)
    Component.objects.bulk_create(
        [Component(version=version, code=c.code, class_code=c.class_code, name=c.name,
                   owner_code=c.owner_code or "", maintainer_code=c.maintainer_code or "",
                   cell_code=c.cell_code, state=c.state, geom=_geos(c.geometry))
         for c in city.components], batch_size=1000)
    for d in city.departments:
        Department.objects.update_or_create(code=d.code, defaults={"name": d.name, "kind": d.kind})
    MapVersion.objects.filter(active=True).update(active=False)
    MapVersion.objects.filter(pk=version.pk).update(active=True)
    users: list[tuple[str, str, str]] = []
    if with_users:
        wanted = dict(DEMO_USERS)
        for d in Department.objects.all():
            wanted[f"dept_{d.code}"] = (Role.DEPARTMENT, d.code)
        for username, (role, dept_code) in wanted.items():
            dept = Department.objects.get(code=dept_code) if dept_code else None
            user, created = User.objects.get_or_create(
                username=username, defaults={"role": role.value, "department": dept})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            users.append((username, role.value, dept_code or ""))
    return LoadResult(version.pk, len(city.streets), len(city.communities), len(city.cells),
                      len(city.components), len(city.departments), users)

"""Storing a ``gridmaps.model.City`` as a map version, and reading one back.

``store_city(city, label=, source=, activate=)`` writes a new version in one transaction (the
import core's ``store`` and the demo loader both end here); ``activate=True`` also activates it
through ``server.maps.versions.activate`` in that transaction. ``city_from_db(version)`` gives
the city back (for export). The city's settings (clock, calendar country, metric frame) are kept
in the version's ``summary["city"]``; a version stored before they existed reads as Beijing's. Departments are versioned too: storing lists them with the version
(``server.maps.departments.stage``) and changes no live department; activation applies them.
"""

from __future__ import annotations

from typing import Any

import shapely
from django.contrib.auth.hashers import make_password
from django.db import transaction
from shapely.geometry import MultiPolygon, Polygon

from gridmaps.model import Cell as CityCell
from gridmaps.model import City, CitySettings, District
from gridmaps.model import Community as CityCommunity
from gridmaps.model import Component as CityComponent
from gridmaps.model import Department as CityDepartment
from gridmaps.model import DutyGrid as CityDutyGrid
from gridmaps.model import Place as CityPlace
from gridmaps.model import Street as CityStreet
from server.accounts.models import User
from server.maps.departments import stage, territory_street
from server.maps.models import (Cell, Community, Component, DutyGrid, MapDepartment, MapVersion, Place,
                                Street)
from server.maps.rawgeo import insert_rows, select_rows
from workflows import Role

__all__ = ["UnknownSupervisors", "city_from_db", "store_city"]


class UnknownSupervisors(ValueError):
    """Duty grids name usernames with no supervisor user (validation should have said so)."""


def _multi_wkb(geom) -> bytes:
    return shapely.to_wkb(MultiPolygon([geom]) if isinstance(geom, Polygon) else geom)


def supervisor_usernames() -> set[str]:
    """Usernames of users with role supervisor (what duty grids may name)."""
    return set(User.objects.filter(role=Role.SUPERVISOR.value).values_list("username", flat=True))


@transaction.atomic
def store_city(city: City, *, label: str, source: str = "", activate: bool = False,
               summary: dict[str, Any] | None = None) -> MapVersion:
    """Write ``city`` as a new map version (inactive unless ``activate``), its departments
    listed with it: live departments change only when it is activated. Raises
    UnknownSupervisors (nothing written) when a duty grid names a non-supervisor. The
    supervisors the city's roster names (``city.supervisors``) are created first where missing
    (role supervisor, no usable password, the roster's name as first name)."""
    _create_supervisors(city)
    wanted = {u for g in city.duty_grids for u in g.supervisor_usernames}
    users = dict(User.objects.filter(username__in=wanted, role=Role.SUPERVISOR.value)
                 .values_list("username", "pk"))
    if wanted - set(users):
        raise UnknownSupervisors(f"no supervisor user named {', '.join(sorted(wanted - set(users)))}")
    counts = {part: len(getattr(city, part)) for part in
              ("streets", "communities", "cells", "duty_grids", "departments", "components", "places")}
    version = MapVersion.objects.create(
        label=label[:100], source=source[:200], active=False, sequence_digits=city.sequence_digits,
        summary={"district": [city.district.code, city.district.name], "counts": counts,
                 "departments": [d.code for d in city.departments], "city": city.settings.as_dict(),
                 **(summary or {})})
    v = version.pk
    insert_rows(Street, ("version", "code", "name", "geom"),
                ((v, s.code, s.name, _multi_wkb(s.geometry)) for s in city.streets))
    insert_rows(Community, ("version", "code", "name", "street_code", "geom"),
                ((v, c.code, c.name, c.street_code, _multi_wkb(c.geometry)) for c in city.communities))
    insert_rows(Cell, ("version", "code", "community_code", "street_code", "area_m2", "geom"),
                ((v, c.code, c.community_code, c.street_code, c.area_m2, _multi_wkb(c.geometry))
                 for c in city.cells))
    insert_rows(Component, ("version", "code", "class_code", "name", "owner_code", "maintainer_code",
                            "cell_code", "state", "geom"),
                ((v, c.code, c.class_code, c.name[:100], c.owner_code or "", c.maintainer_code or "",
                  c.cell_code, c.state, shapely.to_wkb(c.geometry)) for c in city.components))
    insert_rows(Place, ("version", "code", "name", "place_type", "street_code", "geom"),
                ((v, p.code, p.name, p.kind, p.street_code, shapely.to_wkb(p.geometry)) for p in city.places))
    grids = DutyGrid.objects.bulk_create(
        [DutyGrid(version=version, code=g.code, name=g.name, cell_codes=list(g.cell_codes))
         for g in city.duty_grids], batch_size=1000)
    ids = dict(DutyGrid.objects.filter(version=version).values_list("code", "pk")) if grids else {}
    through = DutyGrid.supervisors.through
    through.objects.bulk_create(
        [through(dutygrid_id=ids[g.code], user_id=users[u]) for g in city.duty_grids
         for u in g.supervisor_usernames], batch_size=1000)
    stage(version, city.departments)
    if activate:
        from server.maps.versions import activate as activate_version

        activate_version(version.pk)
        version.refresh_from_db()
    return version


def _create_supervisors(city: City) -> None:
    existing = set(User.objects.filter(username__in=[p.username for p in city.supervisors])
                   .values_list("username", flat=True))
    unusable = make_password(None)
    User.objects.bulk_create([User(username=p.username, first_name=p.name[:150], role=Role.SUPERVISOR.value,
                                   password=unusable)
                              for p in city.supervisors if p.username not in existing], batch_size=1000)


def city_from_db(version: MapVersion | int) -> City:
    """The city stored as ``version``, with the departments as the version lists them."""
    version = version if isinstance(version, MapVersion) else MapVersion.objects.get(pk=version)
    v = version.pk
    load = shapely.from_wkb
    streets = tuple(CityStreet(code, name, "", load(g)) for code, name, g in
                    select_rows(Street, ("code", "name", "geom"), v))
    district_code, district_name = (version.summary.get("district") or ["", ""])[:2]
    district_code = district_code or (streets[0].code[:6] if streets else "")
    streets = tuple(CityStreet(s.code, s.name, district_code, s.geometry) for s in streets)
    outline = shapely.union_all([s.geometry for s in streets]) if streets else shapely.Polygon()
    communities = tuple(CityCommunity(code, name, street, load(g)) for code, name, street, g in
                        select_rows(Community, ("code", "name", "street_code", "geom"), v))
    cells = tuple(CityCell(code, community, street, area, load(g)) for code, community, street, area, g in
                  select_rows(Cell, ("code", "community_code", "street_code", "area_m2", "geom"), v))
    components = tuple(
        CityComponent(code, cls, name, owner, maint, cell, state, load(g))
        for code, cls, name, owner, maint, cell, state, g in select_rows(
            Component, ("code", "class_code", "name", "owner_code", "maintainer_code", "cell_code", "state",
                        "geom"), v))
    places = tuple(CityPlace(code, name, kind, load(g), street) for code, name, kind, street, g in
                   select_rows(Place, ("code", "name", "place_type", "street_code", "geom"), v))
    grids = tuple(
        CityDutyGrid(g.code, g.name, tuple(g.cell_codes), tuple(sorted(u.username for u in g.supervisors.all())))
        for g in DutyGrid.objects.filter(version=version).prefetch_related("supervisors").order_by("code"))
    # A street the code already says (ST<street code>) is not repeated, as the source had it.
    departments = tuple(
        CityDepartment(code, name, kind, name_en, "" if street == territory_street(code, kind) else street,
                       tuple(classes), tuple(accounts))
        for code, name, kind, name_en, street, classes, accounts in
        MapDepartment.objects.filter(version=version).order_by("pk")
        .values_list("code", "name", "responsibility", "name_en", "street_code", "class_codes", "accounts"))
    return City(district=District(district_code, district_name or district_code, outline), streets=streets,
                communities=communities, cells=cells, duty_grids=grids, departments=departments,
                components=components, sequence_digits=version.sequence_digits, places=places,
                settings=CitySettings.from_dict(version.summary.get("city")))

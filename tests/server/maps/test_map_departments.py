"""Departments versioned with the map: an inactive import changes no live department,
activation applies the version's departments, rollback restores the previous version's, and
department users and cases keep their department row throughout.

Version A is the cast's toy grid (departments roads 市政管理委员会, water 排水集团); version B
is the import tests' toy map with water renamed, roads dropped and parks and two street
offices added.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from gridmaps.export import export_city
from gridmaps.model import Department as CityDepartment
from server.accounts.models import Department, User
from server.cases.models import Case
from server.maps.importing import import_map
from server.maps.models import MapDepartment, MapVersion
from server.maps.store import city_from_db, store_city
from server.maps.versions import activate, rollback
from tests.gridmaps.maptoy import toy_city
from tests.server.test_loop import LOOP, act

RENAMED = "北京排水集团有限责任公司"


def live() -> dict[str, tuple[str, bool]]:
    return {d.code: (d.name, d.active) for d in Department.objects.all()}


def city_b():
    city = toy_city()
    departments = tuple(CityDepartment(d.code, RENAMED if d.code == "water" else d.name, d.kind)
                        for d in city.departments if d.code != "roads")
    return replace(city, departments=departments)


@pytest.fixture
def supervisors(cast):
    for name in ("sup_west", "sup_east"):
        User.objects.get_or_create(username=name, defaults={"role": "supervisor"})


@pytest.fixture
def version_b(supervisors):
    return store_city(city_b(), label="B", source="test")


def test_an_inactive_import_changes_no_live_department(supervisors, tmp_path):
    before = live()
    assert before == {"roads": ("市政管理委员会", True), "water": ("排水集团", True)}
    path = export_city(replace(toy_city(), departments=tuple(
        replace(d, name=RENAMED) if d.code == "water" else d for d in toy_city().departments)),
        tmp_path / "b.gpkg")
    result = import_map(path)
    assert result.stored is not None and not MapVersion.objects.get(pk=result.stored).active
    assert live() == before  # not renamed, parks and the street offices not created
    # the version lists its own departments, and the export reads them back as listed
    listed = dict(MapDepartment.objects.filter(version_id=result.stored).values_list("code", "name"))
    assert listed["water"] == RENAMED and set(listed) == {"water", "roads", "parks", "ST110101001",
                                                          "ST110101002"}
    assert {d.code: d.name for d in city_from_db(result.stored).departments}["water"] == RENAMED


def test_activation_applies_and_rollback_restores_the_departments(cast, version_b):
    a = MapVersion.objects.get(active=True)
    water, roads = Department.objects.get(code="water"), Department.objects.get(code="roads")
    assert live() == {"roads": ("市政管理委员会", True), "water": ("排水集团", True)}

    activate(version_b.pk)
    assert live() == {"water": (RENAMED, True), "roads": ("市政管理委员会", False),
                      "parks": ("园林绿化局", True), "ST110101001": ("东华门街道办事处", True),
                      "ST110101002": ("景山街道办事处", True)}
    assert Department.objects.get(code="ST110101001").street_code == "110101001"
    # renamed in place: the same rows, so users and cases keep pointing at them
    assert Department.objects.get(code="water").pk == water.pk
    assert Department.objects.get(code="roads").pk == roads.pk

    assert rollback().pk == a.pk
    assert live() == {"roads": ("市政管理委员会", True), "water": ("排水集团", True),
                      "parks": ("园林绿化局", False), "ST110101001": ("东华门街道办事处", False),
                      "ST110101002": ("景山街道办事处", False)}
    activate(version_b.pk)  # and forward again
    assert live()["water"] == (RENAMED, True) and not live()["roads"][1]


def test_departments_no_map_lists_are_left_alone(cast, version_b):
    Department.objects.create(code="ENF", name="城管执法局", responsibility="enforcement")
    activate(version_b.pk)
    rollback()
    assert live()["ENF"] == ("城管执法局", True)


def test_a_department_the_active_map_drops_keeps_its_users_and_cases(cast, report, version_b):
    number = report()
    for who, action, data, _ in LOOP[:4]:  # dispatched to roads and accepted by dept_roads
        assert act(cast[who], number, action, **dict(data)).status_code == 200
    activate(version_b.pk)

    # dept_roads still signs in, sees its case and feeds back on it
    me = cast["dept_roads"].get("/api/me/").json()
    assert me["department_code"] == "roads"
    assert cast["dept_roads"].get(f"/api/cases/{number}/").status_code == 200
    who, action, data, _ = LOOP[4]
    assert act(cast[who], number, action, **dict(data)).json()["state"] == "handled"
    assert Case.objects.get(number=number).department.code == "roads"

    # but it is no longer offered nor accepted for new dispatches
    offered = cast["dispatcher"].get("/api/departments/").json()
    codes = [d["code"] for d in offered]
    assert {d["kind"] for d in offered} <= {"owner", "maintainer", "territory", "enforcement"}
    assert "roads" not in codes and "parks" in codes
    second = report()
    for who, action, data, _ in LOOP[:2]:
        assert act(cast[who], second, action, **dict(data)).status_code == 200
    r = act(cast["dispatcher"], second, "dispatch", department_code="roads")
    assert r.status_code == 400 and "inactive department 'roads'" in r.json()["error"]["message"]

    rollback()
    assert act(cast["dispatcher"], second, "dispatch", department_code="roads").status_code == 200

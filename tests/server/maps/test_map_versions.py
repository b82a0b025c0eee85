"""Map versions: storing, activation, rollback, and placement following the active version.

Version A is the cast's toy grid (tests/server/conftest.py); version B is the import tests' toy
map (tests/gridmaps/maptoy.py) over the same ground, with duty grids, places and supervisors.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from server.accounts.models import User
from server.cases.models import Case
from server.maps import index
from server.maps.models import Cell, Component, DutyGrid, MapVersion, Place
from server.maps.store import UnknownSupervisors, city_from_db, store_city
from server.maps.versions import MapVersionError, activate, rollback
from tests.gridmaps.maptoy import toy_city
from tests.server.conftest import cell_centre


def make_supervisors(*names):
    for name in names:
        User.objects.get_or_create(username=name, defaults={"role": "supervisor"})


@pytest.fixture
def version_b(cast):
    make_supervisors("sup_west", "sup_east")
    return store_city(toy_city(), label="B", source="test")


def test_store_city_writes_an_inactive_version_with_everything(version_b):
    assert not version_b.active and version_b.summary["counts"]["cells"] == 8
    assert Cell.objects.filter(version=version_b).count() == 8
    assert Component.objects.filter(version=version_b).values_list("geom", flat=True)[1].geom_type == "LineString"
    grid = DutyGrid.objects.get(version=version_b, code="DG1101010010011")
    assert [u.username for u in grid.supervisors.all()] == ["sup_west"] and len(grid.cell_codes) == 4
    assert Place.objects.filter(version=version_b, place_type="door_plate").count() == 2
    assert MapVersion.objects.get(active=True).label == "toy"


def test_a_stored_city_reads_back_the_same(version_b):
    city, back = toy_city(), city_from_db(version_b)
    for part in ("streets", "communities", "cells", "duty_grids", "departments", "components", "places"):
        assert [x.code for x in getattr(back, part)] == [x.code for x in getattr(city, part)], part
    assert back.duty_grids == city.duty_grids and back.departments == city.departments
    assert back.components[1] == city.components[1]  # WKB both ways: exactly equal
    assert back.district.code == "110101" and back.district.name == "东城区"


def test_unknown_supervisors_store_nothing(cast):
    before = MapVersion.objects.count()
    with pytest.raises(UnknownSupervisors, match="sup_east, sup_west"):
        store_city(toy_city(), label="B")
    assert MapVersion.objects.count() == before


def test_activation_switches_placement_and_rollback_switches_back(cast, version_b):
    lon, lat = cell_centre(1)
    loaded, placement = index.place(lon, lat)
    assert loaded.version_id != version_b.pk and placement.duty_grid_code is None

    activate(version_b.pk)
    # No index.forget(): the index notices the new active id by itself, as every worker does.
    loaded, placement = index.place(lon, lat)
    assert loaded.version_id == version_b.pk
    assert placement.cell_code == "110101001001001"
    assert placement.duty_grid_code == "DG1101010010011" and placement.supervisors == ("sup_west",)

    back = rollback()
    assert back.label == "toy" and index.place(lon, lat)[0].version_id == back.pk
    with pytest.raises(MapVersionError, match="replaced no other version"):
        rollback()


def test_rollback_walks_back_the_chain(cast, version_b):
    a = MapVersion.objects.get(active=True)
    make_supervisors("sup_west", "sup_east")
    c = store_city(toy_city(), label="C")
    activate(version_b.pk)
    activate(c.pk)
    assert rollback().pk == version_b.pk
    assert rollback().pk == a.pk
    assert activate(a.pk).active  # activating the active one changes nothing
    assert MapVersion.objects.filter(active=True).count() == 1


def test_errors_say_why(db):
    with pytest.raises(MapVersionError, match="no map version 999"):
        activate(999)
    with pytest.raises(MapVersionError, match="no map version is active"):
        rollback()


def test_the_database_refuses_two_active_versions(cast, version_b):
    with pytest.raises(IntegrityError), transaction.atomic():
        MapVersion.objects.filter(pk=version_b.pk).update(active=True)


def test_each_case_keeps_the_version_it_was_placed_with(cast, report, version_b):
    first = report()
    activate(version_b.pk)
    second = report()
    a_case, b_case = Case.objects.get(number=first), Case.objects.get(number=second)
    assert a_case.map_version.label == "toy" and b_case.map_version_id == version_b.pk
    assert b_case.cell_code == "110101001001001"
    rollback()
    assert Case.objects.get(number=second).map_version_id == version_b.pk


def test_the_gazetteer_follows_the_active_version(cast, version_b):
    version, gaz = index.gazetteer()
    assert version != version_b.pk and gaz.geocode("东华门大街1号") == []
    activate(version_b.pk)
    version, gaz = index.gazetteer()
    assert version == version_b.pk
    [best, *_] = gaz.geocode("北京市东城区东华门街道东华门大街１號")
    assert best.code == "P0002" and best.score >= 0.9

"""The server side of imports: manage.py import_map / export_map / activate_map / rollback_map,
the admin upload (the same core), and the demo loader."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import pytest
from django.core.management import CommandError, call_command

from gridmaps.export import export_city
from server.accounts.models import User
from server.maps.models import MapVersion
from server.maps.store import city_from_db
from tests.gridmaps.maptoy import layers, split_by_type, toy_city, write
from tests.gridmaps.test_import import assert_same_city


@pytest.fixture
def supervisors(db):
    for name in ("sup_west", "sup_east"):
        User.objects.create(username=name, role="supervisor")


@pytest.fixture
def gpkg(tmp_path):
    return export_city(toy_city(), tmp_path / "toy.gpkg")


def bad_gpkg(tmp_path):
    city = toy_city()
    comps = (replace(city.components[0], code="1101019999000001", class_code="9999"),) + city.components[1:]
    return export_city(replace(city, components=comps), tmp_path / "bad.gpkg")


def command(*args):
    out = io.StringIO()
    call_command(*args, "--no-progress", stdout=out) if args[0] in ("import_map", "export_map") else \
        call_command(*args, stdout=out)
    return out.getvalue()


def test_import_map_stores_an_inactive_version(supervisors, gpkg):
    out = command("import_map", str(gpkg), "--label", "toy import")
    version = MapVersion.objects.get()
    assert f"map version {version.pk} stored (inactive" in out
    assert not version.active and version.label == "toy import" and version.summary["mapping"] == "default.toml"
    assert_same_city(city_from_db(version), toy_city(), tol_m=1e-6)


def test_import_map_dry_run_stores_nothing(supervisors, gpkg):
    assert "dry run: consistent" in command("import_map", str(gpkg), "--dry-run")
    assert not MapVersion.objects.exists()


def test_import_map_with_errors_fails_and_stores_nothing(supervisors, tmp_path):
    path = bad_gpkg(tmp_path)
    with pytest.raises(CommandError, match="not imported: 1 problem"):
        command("import_map", str(path))
    assert not MapVersion.objects.exists()
    out = command("import_map", str(path), "--skip-bad", "--activate")
    assert "unknown_class" in out and "[skipped]" in out and "(active)" in out
    version = MapVersion.objects.get(active=True)
    assert version.summary["counts"]["components"] == 2
    assert version.summary["skipped"][0]["fid"] == 1


def test_import_map_refuses_a_bad_mapping_and_a_broken_file(supervisors, tmp_path, gpkg):
    with pytest.raises(CommandError, match="mapping: cannot read mapping"):
        command("import_map", str(gpkg), "--mapping", "nonesuch")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geom')
    with pytest.raises(CommandError, match="not imported"):
        command("import_map", str(tmp_path / "missing-folder"))
    assert not MapVersion.objects.exists()


def test_unknown_supervisors_are_reported_by_username(db, gpkg):
    User.objects.create(username="sup_west", role="supervisor")
    User.objects.create(username="sup_east", role="acceptor")  # exists, but is no supervisor
    with pytest.raises(CommandError):
        command("import_map", str(gpkg))


def test_activate_rollback_and_export_commands(supervisors, gpkg, tmp_path):
    command("import_map", str(gpkg), "--activate")
    command("import_map", str(gpkg))
    first, second = MapVersion.objects.order_by("pk")
    assert f"map version {second.pk} (import toy.gpkg) is active" in command("activate_map", str(second.pk))
    assert f"map version {first.pk}" in command("rollback_map")
    with pytest.raises(CommandError, match="replaced no other version"):
        command("rollback_map")
    with pytest.raises(CommandError, match="no map version 999"):
        command("activate_map", "999")

    command("export_map", str(second.pk), str(tmp_path / "out"), "--driver", "GeoJSON")
    assert (tmp_path / "out" / "cells.geojson").exists()
    command("import_map", str(tmp_path / "out"))
    assert_same_city(city_from_db(MapVersion.objects.order_by("pk").last()), toy_city(), tol_m=1e-6)
    with pytest.raises(CommandError, match="exists"):
        command("export_map", str(second.pk), str(tmp_path / "out"))


# -- the admin ---------------------------------------------------------------------------------
@pytest.fixture
def admin_client(client, supervisors):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    return client


def upload(admin_client, name, data, **form):
    f = io.BytesIO(data)
    f.name = name
    fields = {"file": f, "mapping": "default", "label": "", **form}
    return admin_client.post("/admin/maps/mapversion/import/", fields)


def test_admin_upload_dry_run_then_import(admin_client, gpkg):
    page = admin_client.get("/admin/maps/mapversion/")
    assert page.status_code == 200 and "导入地图" in page.content.decode()  # Chinese by default
    assert admin_client.get("/admin/maps/mapversion/import/").status_code == 200

    r = upload(admin_client, "toy.gpkg", gpkg.read_bytes(), dry_run="on")
    assert r.status_code == 200 and "dry run: would import" in r.content.decode()
    assert not MapVersion.objects.exists()

    r = upload(admin_client, "toy.gpkg", gpkg.read_bytes(), label="uploaded")
    version = MapVersion.objects.get()
    assert r.status_code == 200 and version.label == "uploaded" and not version.active
    assert f"/admin/maps/mapversion/{version.pk}/change/" in r.content.decode()


def test_admin_upload_shows_the_problem_report(admin_client, tmp_path):
    r = upload(admin_client, "bad.gpkg", bad_gpkg(tmp_path).read_bytes())
    html = r.content.decode()
    assert "NOT imported" in html and "unknown_class" in html and "1101019999000001" in html
    assert not MapVersion.objects.exists()
    (tmp_path / "again").mkdir()
    r = upload(admin_client, "bad.gpkg", bad_gpkg(tmp_path / "again").read_bytes(), skip_bad="on")
    assert "skipped" in r.content.decode() and MapVersion.objects.count() == 1


def test_admin_upload_of_zipped_shapefiles_with_a_mapping_file(admin_client, tmp_path):
    named = layers(toy_city())
    for t, rows in split_by_type(named.pop("components")).items():
        named[f"components_{t}"] = rows
    named.pop("places")
    write(tmp_path / "shp", "ESRI Shapefile", named)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in (tmp_path / "shp").iterdir():
            z.write(p, f"census/{p.name}")
    # Only cells and components: streets and communities come from the cell codes, the
    # departments (here only the streets' territories: no owners are mapped) are derived.
    mapping = (b'[layers.cells]\nlayer = "cells"\nfields = { code = "code", community_code = "community" }\n'
               b'[[layers.components]]\nlayer = "components_pt"\nfields = { code = "code", class_code = "class" }\n'
               b'[[layers.components]]\nlayer = "components_ln"\nfields = { code = "code" }\n'
               b'[[layers.components]]\nlayer = "components_pg"\nfields = { code = "code" }\n')
    m = io.BytesIO(mapping)
    m.name = "mine.toml"
    r = upload(admin_client, "census.zip", buf.getvalue(), mapping_file=m)
    assert "imported" in r.content.decode(), r.content.decode()[-2000:]
    assert MapVersion.objects.get().summary["counts"] == {
        "streets": 2, "communities": 2, "cells": 8, "duty_grids": 0, "departments": 2, "components": 3, "places": 0}


def test_admin_refuses_a_zip_that_escapes(admin_client):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../evil.geojson", "{}")
    r = upload(admin_client, "evil.zip", buf.getvalue())
    assert "outside the archive" in r.content.decode() and not MapVersion.objects.exists()


@pytest.mark.parametrize("name, data, words", [
    ("shapes.zip", None, "no layer &#x27;streets&#x27;"),  # a zip without any .shp
    ("broken.zip", b"PK\x03\x04 not really a zip", "File is not a zip file"),
    ("city.gpkg", b"<html><script>alert(1)</script></html>", "not recognized"),
])
def test_admin_refuses_a_malformed_upload_and_imports_nothing(admin_client, name, data, words):
    if data is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("readme.txt", "the shapefiles are elsewhere")
        data = buf.getvalue()
    r = upload(admin_client, name, data)
    html = r.content.decode()
    assert r.status_code == 200 and words in html, html[-3000:]
    assert "<script>alert(1)" not in html and not MapVersion.objects.exists()


def test_admin_activate_action_and_rollback(admin_client, gpkg):
    upload(admin_client, "toy.gpkg", gpkg.read_bytes())
    upload(admin_client, "toy.gpkg", gpkg.read_bytes())
    first, second = MapVersion.objects.order_by("pk")
    for v in (first, second):
        admin_client.post("/admin/maps/mapversion/", {"action": "activate_selected", "_selected_action": [v.pk]})
    assert MapVersion.objects.get(active=True) == second
    admin_client.post("/admin/maps/mapversion/rollback/")
    assert MapVersion.objects.get(active=True) == first
    r = admin_client.post("/admin/maps/mapversion/rollback/", follow=True)
    assert "replaced no other version" in r.content.decode()


def test_admin_import_needs_staff(client, db):
    assert client.get("/admin/maps/mapversion/import/").status_code == 302


# -- the demo ----------------------------------------------------------------------------------
def test_load_demo_city_creates_supervisors_duty_grids_and_places(db):
    from server.maps.models import DutyGrid, Place

    out = command("load_demo_city")
    version = MapVersion.objects.get(active=True)
    grids = DutyGrid.objects.filter(version=version)
    assert grids.exists() and Place.objects.filter(version=version).exists()
    usernames = {u for g in grids.prefetch_related("supervisors") for u in g.supervisors.values_list("username", flat=True)}
    assert usernames and set(User.objects.filter(username__in=usernames).values_list("role", flat=True)) == {"supervisor"}
    assert "duty grids" in out and "places" in out
    assert "nothing loaded" in command("load_demo_city", "--if-empty")

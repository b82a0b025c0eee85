"""A city's own settings travel with its map version (clock, calendar country, metric frame) and
its rules come in from CSV (manage.py import_rules)."""

from __future__ import annotations

import io
import json
import tomllib

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from gridmaps.export import export_city
from gridmaps.importer import MAPPINGS_DIR
from server.cases.models import FilingCondition, NodeLimitOverride
from server.cases.rules import current_rules
from server.maps import index
from server.maps.clock import CityTimeZoneMiddleware
from server.maps.models import MapVersion
from server.maps.store import city_from_db
from tests.gridmaps.maptoy import toy_city


@pytest.fixture
def gpkg(tmp_path):
    return export_city(toy_city(), tmp_path / "toy.gpkg")


def mapping_file(tmp_path, **settings):
    """The default mapping (without duty grids: no supervisor users needed) as a JSON file."""
    m = tomllib.loads((MAPPINGS_DIR / "default.toml").read_text(encoding="utf-8"))
    m["layers"].pop("duty_grids")
    m["settings"].update(settings)
    path = tmp_path / "city.json"
    path.write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    return path


def run_command(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_active_citys_clock_calendar_and_frame_are_used(db, gpkg, tmp_path):
    index.forget()
    assert current_rules().calendar.data.zone == "Asia/Shanghai"  # nothing active: Beijing's
    m = mapping_file(tmp_path, time_zone="Europe/Berlin", country="DE", subdivision="BE", metric_crs="EPSG:32650")
    out = run_command("import_map", str(gpkg), "--mapping", str(m), "--activate", "--no-progress")
    assert "metric frame EPSG:32650" in out
    version = MapVersion.objects.get()
    assert version.summary["city"] == {"name": "", "country": "DE", "subdivision": "BE",
                                       "time_zone": "Europe/Berlin", "metric_epsg": 32650}
    assert city_from_db(version).settings.time_zone == "Europe/Berlin"
    index.forget()
    rules = current_rules()
    assert rules.calendar.data.zone == "Europe/Berlin" and "DE-BE" in rules.calendar.data.source
    assert index.active_map().index.metric.epsg == 32650
    # Pages, exports and messages show times on the city's clock, not the server's.
    seen = []
    CityTimeZoneMiddleware(lambda request: seen.append(timezone.get_current_timezone_name()))(
        RequestFactory().get("/"))
    assert seen == ["Europe/Berlin"]
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"  # and only for the request


def test_dry_run_prints_the_repair_report(db, tmp_path):
    city = toy_city()
    path = export_city(city, tmp_path / "toy.gpkg")
    m = mapping_file(tmp_path)
    out = run_command("import_map", str(path), "--mapping", str(m), "--dry-run", "--no-progress")
    assert "dry run: consistent" in out and "repaired" not in out


def write_csv(path, text: str):
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def test_per_class_limits_and_filing_conditions_from_csv(db, tmp_path):
    before = FilingCondition.objects.get(code="C0101-01")
    csv = write_csv(tmp_path / "limits.csv", """
kind,class_code,code,name,limit_value,limit_unit,closing_condition,is_default
component,0101,C0101-01,上水井盖破损,1,work_days,井盖已修复完好,1
event,0199,E-GRAFFITI,涂鸦,65,work_days,涂鸦已清除,1
""")
    out = run_command("import_rules", "--filing-conditions", str(csv))
    assert "1 created, 1 updated" in out
    changed = FilingCondition.objects.get(code="C0101-01")
    assert (changed.pk, changed.limit_value, changed.limit_unit) == (before.pk, 1, "work_days")
    assert FilingCondition.objects.get(code="E-GRAFFITI").limit_value == 65
    # a table without English names leaves the ones the database has; with them, sets them
    assert changed.name_en == "Water supply manhole cover damaged"
    csv = write_csv(tmp_path / "named.csv", """
kind,class_code,code,name,limit_value,limit_unit,closing_condition,is_default,name_en
event,0199,E-GRAFFITI,涂鸦,65,work_days,涂鸦已清除,1,Graffiti
""")
    run_command("import_rules", "--filing-conditions", str(csv))
    assert FilingCondition.objects.get(code="E-GRAFFITI").name_en == "Graffiti"


def test_a_bad_row_imports_nothing_and_says_which(db, tmp_path):
    csv = write_csv(tmp_path / "limits.csv", """
kind,class_code,code,name,limit_value,limit_unit,closing_condition,is_default
event,0199,E-NEW,新的,2,work_days,好,1
event,0199,E-BAD,坏的,-3,work_days,好,1
""")
    with pytest.raises(CommandError, match="limits.csv line 3: bad limit -3 work_days"):
        run_command("import_rules", "--filing-conditions", str(csv))
    assert not FilingCondition.objects.filter(code="E-NEW").exists()


def test_node_limits_from_csv_are_checked_like_the_admin(db, tmp_path):
    good = write_csv(tmp_path / "nodes.csv", "node,value,unit,note\naccept,3,work_hours,city rule\n")
    assert "1 created, 0 updated" in run_command("import_rules", "--node-limits", str(good))
    assert NodeLimitOverride.objects.get(node="accept").value == 3
    bad = write_csv(tmp_path / "bad.csv", "node,value,unit\nhandle,3,work_hours\n")
    with pytest.raises(CommandError, match="bad.csv line 2: node: the handling limit comes from"):
        run_command("import_rules", "--node-limits", str(bad))


def test_the_admin_lists_repairs_and_where_problems_are(admin_client, tmp_path):
    from dataclasses import replace

    from shapely.geometry import Polygon

    from tests.gridmaps.maptoy import at
    from tests.server.maps.test_map_import import upload

    city = toy_city()
    # A zero-width spike out of the first cell: a self-intersecting ring, repaired by make_valid.
    spiked = Polygon([at(0, 0), at(100, 0), at(100, 100), at(50, 100), at(50, 130), at(50, 100), at(0, 100), at(0, 0)])
    cells = (replace(city.cells[0], geometry=spiked),) + city.cells[1:]
    path = export_city(replace(city, cells=cells, duty_grids=()), tmp_path / "spiked.gpkg")
    html = upload(admin_client, "spiked.gpkg", path.read_bytes(), dry_run="on").content.decode()
    assert "would import" in html and 'id="import-repairs"' in html and "made_valid" in html
    assert "116.41" in html  # the spot, lon/lat

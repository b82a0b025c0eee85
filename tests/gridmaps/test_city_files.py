"""A city usable end to end from its files (no database): departments and their accounts from a
departments file, duty grids and supervisors from a roster file (or generated), a gazetteer
from address points or road centre lines; each row's problem named; and the city's settings
through export and import again."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from gridmaps.export import export_city
from gridmaps.importer import MAPPINGS_DIR, run

SEATTLE = Path(__file__).resolve().parents[2] / "gridmaps" / "data" / "cities" / "seattle"


@pytest.fixture(scope="module")
def seattle():
    result = run(SEATTLE, SEATTLE / "mapping.toml", dry_run=True, supervisors=set())
    assert result.ok, result.report()
    return result.city


def test_departments_roster_and_gazetteer_come_from_the_citys_files(seattle):
    spu = next(d for d in seattle.departments if d.code == "SPU")
    assert (spu.name_en, spu.kind, spu.accounts) == ("Seattle Public Utilities", "owner", ("dept_SPU",))
    assert "0101" in spu.class_codes
    don = next(d for d in seattle.departments if d.code == "DON")
    assert (don.kind, don.street_code) == ("territory", "000000001")
    assert next(d for d in seattle.departments if d.code == "SDOT").accounts == ("dept_SDOT", "sdot.duty")

    assert [(g.code, len(g.cell_codes), g.supervisor_usernames) for g in seattle.duty_grids] == [
        ("SEA-C", 10, ("sea.cora", "sea.dan")), ("SEA-N", 10, ("sea.ava", "sea.ben")),
        ("SEA-S", 9, ("sea.eve", "sea.finn"))]
    assert ("sea.ava", "Ava Example") in {(p.username, p.name) for p in seattle.supervisors}

    assert len(seattle.places) == 94
    park = next(p for p in seattle.places if p.name == "Cal Anderson Park")
    assert (park.kind, park.street_code, park.code[:2]) == ("poi", "000000001", "PL")


def _copy(tmp_path: Path) -> Path:
    src = tmp_path / "seattle"
    shutil.copytree(SEATTLE, src)
    return src


def test_each_bad_row_is_named_and_nothing_is_imported(tmp_path):
    src = _copy(tmp_path)
    with open(src / "departments.csv", "a", encoding="utf-8") as f:
        f.write("PARKS2,公园二,Parks two,owner,,9999,dept_SPU\n")          # FID 7
        f.write("HOOD,社区二,Neighbourhoods two,territory,000000009,,dept/HOOD\n")  # FID 8
    with open(src / "roster.csv", "a", encoding="utf-8") as f:
        f.write("SEA-X,Extra,,acceptor,An Acceptor\n")
    text = (src / "mapping.toml").read_text(encoding="utf-8").replace(
        'supervisor_name = "supervisor_name" }',
        'supervisor_name = "supervisor_name", community_code = "community" }')
    (src / "mapping.toml").write_text(text, encoding="utf-8")
    with open(src / "roster.csv", encoding="utf-8") as f:
        rows = f.read().splitlines()
    rows = [rows[0] + ",community"] + [r + "," for r in rows[1:]]
    rows.append("SEA-Y,Elsewhere,,sea.zed,Zed Example,000000001999")     # FID 8
    (src / "roster.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    result = run(src, src / "mapping.toml", dry_run=True, supervisors=set(),
                 users={"acceptor": "acceptor", "dept_SPU": "department"})
    assert not result.ok
    found = {(p.layer, p.fid, p.problem_type) for p in result.problems}
    assert ("departments", 7, "unknown_class") in found
    assert ("departments", 7, "username_taken") in found     # dept_SPU is SPU's already
    assert ("departments", 8, "unknown_parent") in found     # no street 000000009
    assert ("departments", 8, "bad_value") in found          # "dept/HOOD": no slash in a username
    assert ("roster", 8, "unknown_parent") in found          # no community ...999
    assert any(p.problem_type == "username_taken" and "acceptor" in p.message for p in result.problems)
    report = result.report()
    assert "community 000000001999 is not in the map" in report and "NOT imported" in report


def test_road_centre_lines_become_one_place_per_road(tmp_path):
    src = _copy(tmp_path)
    (src / "parks.geojson").unlink()
    segments = [("E Pine St", [(-122.3200, 47.6153), (-122.3180, 47.6153)]),
                ("E Pine St", [(-122.3180, 47.6153), (-122.3160, 47.6153)]),
                ("E Pine St", [(-122.3160, 47.6153), (-122.3140, 47.6153)]),
                ("Broadway", [(-122.3208, 47.6100), (-122.3208, 47.6200)])]
    (src / "roads.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ORD_STNAME": name},
         "geometry": {"type": "LineString", "coordinates": coords}} for name, coords in segments]}))
    text = (src / "mapping.toml").read_text(encoding="utf-8").replace(
        'file = "parks.geojson"\nfields = { code = "", name = "name" }',
        'file = "roads.geojson"\nfields = { code = "", name = "ORD_STNAME" }')
    (src / "mapping.toml").write_text(text, encoding="utf-8")
    result = run(src, src / "mapping.toml", dry_run=True, supervisors=set())
    assert result.ok, result.report()
    roads = {p.name: p for p in result.city.places}
    assert set(roads) == {"E Pine St", "Broadway"} and {p.kind for p in roads.values()} == {"road"}
    assert roads["E Pine St"].geometry.geom_type == "LineString"   # three segments merged
    assert roads["E Pine St"].geometry.length == pytest.approx(0.006)


def test_a_generated_roster_is_one_duty_grid_per_community(tmp_path):
    src = _copy(tmp_path)
    text = (src / "mapping.toml").read_text(encoding="utf-8")
    text = text.replace("generate_codes = true", "generate_codes = true\nroster_per_community = 3")
    text = text[:text.index("[layers.roster]")] + text[text.index("[layers.places]"):]
    (src / "mapping.toml").write_text(text, encoding="utf-8")
    result = run(src, src / "mapping.toml", dry_run=True, supervisors=set())
    assert result.ok, result.report()
    (grid,) = result.city.duty_grids
    assert grid.code == "DG000000001001" and len(grid.cell_codes) == 29
    assert grid.supervisor_usernames == tuple(f"sv000000001001_{k}" for k in (1, 2, 3))
    assert [p.username for p in result.city.supervisors] == list(grid.supervisor_usernames)


def test_the_citys_settings_survive_export_and_import(seattle, tmp_path):
    path = export_city(seattle, tmp_path / "seattle.gpkg")
    # The default mapping (what export writes) with the tolerances of the city's mapping: the
    # settings themselves come from the exported city layer.
    mapping = tomllib.loads((MAPPINGS_DIR / "default.toml").read_text(encoding="utf-8"))
    mapping["tolerances"] = tomllib.loads((SEATTLE / "mapping.toml").read_text(encoding="utf-8"))["tolerances"]
    again = run(path, mapping, supervisors={u for g in seattle.duty_grids for u in g.supervisor_usernames})
    assert again.ok, again.report()
    assert again.city.settings == seattle.settings
    assert (again.city.settings.time_zone, again.city.settings.metric_epsg) == ("America/Los_Angeles", 32610)
    assert again.city.sequence_digits == 5 and len(again.city.cells[0].code) == 17
    assert again.city.departments == seattle.departments
    assert again.metric.epsg == 32610

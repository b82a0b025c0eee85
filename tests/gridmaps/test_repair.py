"""gridmaps.importer: what the importer repairs (and reports), stray files, generated codes, the
metric frame. The toy map's cells are 100 m squares; each test breaks one the way published
boundary data breaks, once without the repair (a problem, nothing stored) and once with it."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import Polygon

from gridmaps.importer import run
from tests.gridmaps.maptoy import at, layers, rect, toy_city, write


@pytest.fixture(scope="module")
def city():
    return toy_city()


def source(tmp_path, city, change=None):
    named = layers(city)
    if change:
        change(named)
    write(tmp_path / "src", "GeoJSON", named)
    return tmp_path / "src"


def mapping(**tables) -> dict:
    import tomllib

    from gridmaps.importer import MAPPINGS_DIR

    m = tomllib.loads((MAPPINGS_DIR / "default.toml").read_text(encoding="utf-8"))
    for table, values in tables.items():
        m.setdefault(table, {}).update(values)
    return m


def cell(named, seq: int) -> int:
    """Index in the cells layer of the first community's cell ``seq``."""
    return next(k for k, (p, _) in enumerate(named["cells"]) if p["code"] == f"110101001001{seq:03d}")


def kinds(result) -> set[str]:
    return {p.problem_type for p in result.problems}


def test_stray_files_the_mapping_never_names_are_not_opened(tmp_path, city):
    src = source(tmp_path, city)
    (src / "notes.json").write_text("{ this is not json")
    (src / "statistics.csv").write_bytes(b"\xff\xfe broken")
    result = run(src, None, dry_run=True)
    assert result.ok, result.report()


def test_a_missing_layer_still_says_which_files_did_not_open(tmp_path, city):
    src = source(tmp_path, city, lambda n: n.pop("cells"))
    (src / "notes.json").write_text("{ this is not json")
    result = run(src, mapping(), dry_run=True)
    assert not result.ok
    assert "no layer 'cells'" in result.problems[0].message and "notes.json did not open" in result.problems[0].message


def spiked(named):
    # A zero-width spike out of cell 1's north edge: a self-intersecting ring (invalid), as
    # digitising errors in published data often are.
    k = cell(named, 1)
    x = [at(0, 0), at(100, 0), at(100, 100), at(50, 100), at(50, 130), at(50, 100), at(0, 100), at(0, 0)]
    named["cells"][k] = (named["cells"][k][0], Polygon(x))


def sliver(named):
    # Cell 1 split into 100 x 97 and a 100 x 3 sliver (300 m²) coded as a fifth cell.
    k = cell(named, 1)
    props = named["cells"][k][0]
    named["cells"][k] = (props, rect(0, 0, 100, 97))
    named["cells"].append((dict(props, code="110101001001005"), rect(0, 97, 100, 3)))


def overlapping(named):
    # Cell 2 reaches 0.2 m into cell 1: a 20 m² overlap.
    k = cell(named, 2)
    named["cells"][k] = (named["cells"][k][0], rect(99.8, 0, 100.2, 100))


def gapped(named):
    # Cell 2 pulled 2 cm east: a 2 m² gap 2 cm wide along a 100 m edge (reprojection noise).
    k = cell(named, 2)
    named["cells"][k] = (named["cells"][k][0], rect(100.02, 0, 99.98, 100))


@pytest.mark.parametrize("change, problem, repair_table, repair", [
    (spiked, "invalid_geometry", {"make_valid": True}, "made_valid"),
    (sliver, "implausible_area", {"sliver_m2": 400}, "sliver_merged"),
    (overlapping, "overlap", {"overlap_m2": 50}, "overlap_resolved"),
    (gapped, "gap", {"gap_width_m": 0.1}, "gap_closed"),
])
def test_each_defect_is_a_problem_without_its_repair_and_repaired_with_it(tmp_path, city, change, problem,
                                                                        repair_table, repair):
    src = source(tmp_path, city, change)
    off = {"make_valid": False} if repair == "made_valid" else {}
    stored = []
    refused = run(src, mapping(repair=off), store=stored.append)
    assert not refused.ok and problem in kinds(refused) and stored == []
    assert all(p.at is not None for p in refused.problems if p.layer != "source"), refused.report()

    repaired = run(src, mapping(repair=repair_table), store=stored.append)
    assert repaired.ok, repaired.report()
    assert [r.kind for r in repaired.repairs] == [repair]
    r = repaired.repairs[0]
    assert r.layer == "cells" and r.source == "cells" and r.fid is not None and r.at is not None
    assert f"\t{repair}\t" in repaired.report() and r.where in repaired.report()
    cells = stored[0].cells
    # Eight cells tiling the 80,000 m² again (the check allows no overlap or gap over 1 m²).
    assert len(cells) == 8 and sum(c.area_m2 for c in cells) == pytest.approx(80_000, abs=1)


def test_the_overlap_rule_says_who_keeps_it(tmp_path, city):
    src = source(tmp_path, city, overlapping)
    lower = run(src, mapping(repair={"overlap_m2": 50}), dry_run=True)
    assert lower.repairs[0].code == "110101001001002"  # the lower code (001) keeps the overlap
    larger = run(src, mapping(repair={"overlap_m2": 50, "overlap_rule": "larger"}), dry_run=True)
    assert larger.repairs[0].code == "110101001001001"  # cell 2 is the larger one now


def test_a_sliver_takes_its_components_along(tmp_path, city):
    def change(named):
        sliver(named)
        props, geom = named["components"][0]
        named["components"][0] = (dict(props, cell="110101001001005"), shapely.Point(at(50, 98.5)))
    result = run(source(tmp_path, city, change), mapping(repair={"sliver_m2": 400}), dry_run=True)
    assert result.ok, result.report()
    assert result.city.components[0].cell_code == "110101001001001"


def test_problems_say_where(tmp_path, city):
    result = run(source(tmp_path, city, overlapping), mapping(), dry_run=True)
    overlap = next(p for p in result.problems if p.problem_type == "overlap")
    lon, lat = overlap.at
    assert shapely.Point(lon, lat).distance(shapely.Point(at(99.9, 50))) < 1e-4  # within ~10 m
    assert overlap.where in result.report()


def test_a_tiny_hole_in_the_district_outline_is_dropped(tmp_path, city):
    def change(named):
        props, outline = named["district"][0]
        hole = shapely.buffer(shapely.Point(at(200, 0)), 0.000001)  # about 0.003 m²
        named["district"][0] = (props, outline.difference(hole))
    result = run(source(tmp_path, city, change), mapping(), dry_run=True)
    assert result.ok, result.report()
    assert [r.kind for r in result.repairs] == ["outline_repaired"]
    assert not list(result.city.district.geometry.interiors)


def test_codes_are_generated_for_a_source_without_them(tmp_path, city):
    def change(named):
        named.pop("streets")
        named.pop("duty_grids")
        named.pop("components")
        named.pop("departments")
        for part in ("communities", "cells"):
            named[part] = [({"name": p.get("name", "")}, g) for p, g in named[part]]
    m = mapping(settings={"generate_codes": True, "district_code": "510104", "cell_sequence_digits": 5})
    m["layers"] = {"communities": {"layer": "communities", "fields": {"code": "", "name": "name"}},
                   "cells": {"layer": "cells", "fields": {"code": ""}}}
    result = run(source(tmp_path, city, change), m, dry_run=True)
    assert result.ok, result.report()
    assert [c.code for c in result.city.communities] == ["510104001001", "510104001002"]
    # West community's cells, north-west first, then west to east, north to south: 17 digits.
    assert [c.code for c in result.city.cells[:4]] == [f"51010400100100{n:03d}" for n in (1, 2, 3, 4)]
    assert result.city.cells[0].geometry.equals(city.cells[0].geometry)


def test_the_metric_frame_comes_from_the_extent_or_the_mapping(tmp_path, city):
    src = source(tmp_path, city)
    found = run(src, mapping(), dry_run=True)
    assert found.metric.epsg == 4548 and found.city.settings.metric_epsg == 4548
    named = run(src, mapping(settings={"metric_crs": "EPSG:32650"}), dry_run=True)
    assert named.ok and named.metric.epsg == 32650
    # UTM and Gauss-Krüger scale differently; the areas still agree to well under 1 %.
    assert named.city.cells[0].area_m2 == pytest.approx(10_000, rel=1e-3)
    assert "EPSG:32650" in named.summary()
    assert json.dumps(named.city.settings.as_dict())

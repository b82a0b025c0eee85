"""gridmaps.importer: every source format, CRS handling, broken sources, dry run, skip_bad."""

from __future__ import annotations

import tomllib
from dataclasses import replace

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point

from gis.frames import coords_to_metres
from gridmaps.importer import MAPPINGS_DIR, MappingError, load_mapping, run
from tests.gridmaps.maptoy import layers, split_by_type, toy_city, write

SUPERVISORS = {"sup_west", "sup_east"}


def default_mapping() -> dict:
    return tomllib.loads((MAPPINGS_DIR / "default.toml").read_text(encoding="utf-8"))


def split_mapping(**settings) -> dict:
    """The default mapping with components and places read from per-geometry-type layers."""
    m = default_mapping()
    for part in ("components", "places"):
        spec = m["layers"][part]
        m["layers"][part] = [dict(spec, layer=f"{part}_{t}", optional=True) for t in ("pt", "ln", "pg")]
    m["settings"].update(settings)
    return m


def split_layers(city):
    named = layers(city)
    for part in ("components", "places"):
        for t, rows in split_by_type(named.pop(part)).items():
            named[f"{part}_{t}"] = rows
    return named


def assert_same_city(got, want, tol_m=1e-3):  # FileGDB keeps coordinates on a grid
    assert got is not None
    for part in ("streets", "communities", "cells", "duty_grids", "departments", "components", "places"):
        a, b = getattr(got, part), getattr(want, part)
        assert [x.code for x in a] == [x.code for x in b], part
        for x, y in zip(a, b):
            if part == "cells":
                assert x.area_m2 == pytest.approx(y.area_m2, abs=0.05)
                x, y = replace(x, area_m2=0), replace(y, area_m2=0)
            assert replace(x, geometry=None) == replace(y, geometry=None) if hasattr(x, "geometry") else x == y
            if hasattr(x, "geometry"):
                assert shift_m(x.geometry, y.geometry) <= tol_m, (part, x.code)


def shift_m(a, b) -> float:
    """How far apart two geometries are in metres (Hausdorff: blind to ring orientation and
    to Polygon vs MultiPolygon, which Shapefile and GeoPackage change)."""
    return float(shapely.hausdorff_distance(shapely.transform(a, coords_to_metres),
                                            shapely.transform(b, coords_to_metres)))


@pytest.fixture(scope="module")
def city():
    return toy_city()



@pytest.mark.parametrize("driver, mapping", [
    ("GPKG", None), ("GeoJSON", None), ("ESRI Shapefile", "split"), ("OpenFileGDB", "split"),
    ("CSV", "csv"),
])
def test_each_format_imports_the_toy_city(tmp_path, city, driver, mapping):
    named = split_layers(city) if mapping in ("split", "csv") else layers(city)
    target = tmp_path / {"GPKG": "toy.gpkg", "OpenFileGDB": "toy.gdb"}.get(driver, "toy")
    write(target, driver, named)
    if mapping == "csv":
        mapping = split_mapping(crs="EPSG:4326")  # CSV carries no CRS: the mapping names it
    elif mapping == "split":
        mapping = split_mapping()
    stored = []
    result = run(target, mapping, store=stored.append, supervisors=SUPERVISORS)
    assert result.problems == [], result.report()
    assert_same_city(result.city, city)
    assert stored == [result.city]
    assert result.counts["cells"] == 8 and result.kept["components"] == 3


def test_shapefile_in_cgcs2000_gauss_kruger_lands_within_centimetres(tmp_path, city):
    # EPSG:4548 through gis.frames (pyproj), read back through the .prj and osr.
    write(tmp_path / "gk", "ESRI Shapefile", split_layers(city), epsg=4548, transform=coords_to_metres)
    assert "Gauss" in (tmp_path / "gk" / "cells.prj").read_text()
    result = run(tmp_path / "gk", split_mapping(), supervisors=SUPERVISORS)
    assert result.problems == [], result.report()
    assert_same_city(result.city, city, tol_m=0.01)


def test_cgcs2000_geographic_is_taken_as_wgs84(tmp_path, city):
    write(tmp_path / "c.gpkg", "GPKG", layers(city), epsg=4490)
    result = run(tmp_path / "c.gpkg", supervisors=SUPERVISORS)
    assert_same_city(result.city, city, tol_m=0.01)


def test_local_frame_named_in_the_mapping(tmp_path, city):
    local = "+proj=tmerc +lat_0=39.9 +lon_0=116.4 +k=1 +x_0=50000 +y_0=20000 +ellps=GRS80 +units=m +no_defs"
    to_local = Transformer.from_crs("EPSG:4490", local, always_xy=True)
    write(tmp_path / "local", "ESRI Shapefile", split_layers(city), epsg=None,
          transform=lambda c: np.column_stack(to_local.transform(c[:, 0], c[:, 1])))
    assert not (tmp_path / "local" / "cells.prj").exists()
    result = run(tmp_path / "local", split_mapping(crs=local), supervisors=SUPERVISORS)
    assert result.problems == [], result.report()
    assert_same_city(result.city, city, tol_m=0.01)


def test_a_shapefile_without_its_prj_is_refused(tmp_path, city):
    write(tmp_path / "shp", "ESRI Shapefile", split_layers(city))
    (tmp_path / "shp" / "cells.prj").unlink()
    stored = []
    result = run(tmp_path / "shp", split_mapping(), store=stored.append)
    assert result.city is None and stored == []
    [problem] = result.problems
    assert problem.problem_type == "no_crs" and problem.source == "cells" and ".prj" in problem.message


def test_a_truncated_geojson_is_refused(tmp_path, city):
    write(tmp_path / "gj", "GeoJSON", layers(city))
    cells = tmp_path / "gj" / "cells.geojson"
    cells.write_bytes(cells.read_bytes()[: cells.stat().st_size // 2])
    stored = []
    result = run(tmp_path / "gj", store=stored.append)
    assert result.city is None and stored == []
    assert [p.problem_type for p in result.problems] == ["unreadable"]
    assert "cells" in result.problems[0].message


def test_an_unknown_layer_name_says_which_layers_exist(tmp_path, city):
    write(tmp_path / "t.gpkg", "GPKG", layers(city))
    mapping = default_mapping()
    mapping["layers"]["cells"]["layer"] = "grid_cells"
    result = run(tmp_path / "t.gpkg", mapping)
    [problem] = result.problems
    assert problem.problem_type == "unknown_layer" and "'grid_cells'" in problem.message
    assert "cells, communities" in problem.message


def test_an_unknown_field_names_the_fields_there_are(tmp_path, city):
    write(tmp_path / "t.gpkg", "GPKG", layers(city))
    mapping = default_mapping()
    mapping["layers"]["cells"]["fields"]["code"] = "BGID"
    [problem] = run(tmp_path / "t.gpkg", mapping).problems
    assert problem.problem_type == "unknown_field" and "'BGID'" in problem.message and "community" in problem.message


def test_projected_coordinates_in_a_geojson_without_crs_are_refused(tmp_path, city):
    # GeoJSON is WGS84 by definition, so OGR says so even for metres: the importer notices.
    write(tmp_path / "gj", "GeoJSON", layers(city), epsg=None, transform=coords_to_metres)
    [problem] = run(tmp_path / "gj").problems
    assert problem.problem_type == "bad_crs" and "force_crs" in problem.message


def test_force_crs_overrides_a_wrong_source_crs(tmp_path, city):
    write(tmp_path / "gj", "GeoJSON", layers(city), epsg=None, transform=coords_to_metres)
    mapping = default_mapping()
    mapping["settings"].update(crs="EPSG:4548", force_crs=True)
    result = run(tmp_path / "gj", mapping, supervisors=SUPERVISORS)
    assert_same_city(result.city, city, tol_m=0.01)


def test_dry_run_checks_but_stores_nothing(tmp_path, city):
    write(tmp_path / "t.gpkg", "GPKG", layers(city))
    stored = []
    result = run(tmp_path / "t.gpkg", dry_run=True, store=stored.append, supervisors=SUPERVISORS)
    assert result.ok and result.stored is None and stored == []
    assert "dry run" in result.summary()


def bad_city(city):
    """The toy with a component of an unknown class and a place of an unknown kind."""
    comps = list(city.components)
    comps[0] = replace(comps[0], code="1101019999000001", class_code="9999")
    places = list(city.places)
    places[1] = replace(places[1], kind="mansion")
    return replace(city, components=tuple(comps), places=tuple(places))


def test_a_file_with_errors_imports_nothing(tmp_path, city):
    write(tmp_path / "t.gpkg", "GPKG", layers(bad_city(city)))
    stored = []
    result = run(tmp_path / "t.gpkg", store=stored.append, supervisors=SUPERVISORS)
    assert result.city is None and stored == []
    found = {(p.layer, p.source, p.fid, p.code, p.problem_type) for p in result.problems}
    # GeoPackage FIDs start at 1, in the order written.
    assert ("components", "components", 1, "1101019999000001", "unknown_class") in found
    assert ("places", "places", 2, "P0002", "bad_value") in found


def test_skip_bad_imports_the_rest_and_lists_what_it_skipped(tmp_path, city):
    write(tmp_path / "t.gpkg", "GPKG", layers(bad_city(city)))
    stored = []
    result = run(tmp_path / "t.gpkg", skip_bad=True, store=stored.append, supervisors=SUPERVISORS)
    assert result.ok and stored == [result.city]
    assert {p.code for p in result.skipped} == {"1101019999000001", "P0002"}
    assert [c.code for c in result.city.components] == [c.code for c in city.components[1:]]
    assert [p.code for p in result.city.places] == ["P0001", "P0003"]
    assert "[skipped]" in result.report()


def test_skip_bad_cannot_skip_a_cell_without_leaving_a_gap(tmp_path, city):
    cells = list(city.cells)
    cells[2] = replace(cells[2], code="11010100100100X")
    write(tmp_path / "t.gpkg", "GPKG", layers(replace(city, cells=tuple(cells))))
    stored = []
    result = run(tmp_path / "t.gpkg", skip_bad=True, store=stored.append, supervisors=SUPERVISORS)
    assert result.city is None and stored == []
    problem_types = {p.problem_type for p in result.problems}
    assert {"bad_code", "gap"} <= problem_types


def test_unknown_supervisors_are_a_problem(tmp_path, city):
    write(tmp_path / "t.gpkg", "GPKG", layers(city))
    result = run(tmp_path / "t.gpkg", supervisors={"sup_west"})
    [problem] = result.problems
    assert problem.problem_type == "unknown_supervisor" and "sup_east" in problem.message and problem.fid == 2


def test_only_cells_are_needed_the_rest_is_derived(tmp_path, city):
    named = layers(city)
    named["components"] = [(dict(p, cell=""), g) for p, g in named["components"]]
    write(tmp_path / "t.gpkg", "GPKG", {k: named[k] for k in ("cells", "components")})
    mapping = default_mapping()
    for part in ("district", "streets", "communities", "duty_grids", "departments", "places"):
        del mapping["layers"][part]
    result = run(tmp_path / "t.gpkg", mapping)
    assert result.problems == [], result.report()
    got = result.city
    assert [c.code for c in got.communities] == list(c.code for c in city.communities)
    assert [s.code for s in got.streets] == [s.code for s in city.streets]
    assert shift_m(got.communities[0].geometry, city.communities[0].geometry) < 1e-3
    assert [c.cell_code for c in got.components] == [c.cell_code for c in city.components]
    assert {d.code for d in got.departments} == {d.code for d in city.departments}


def test_duty_grid_cells_from_its_polygon(tmp_path, city):
    named = layers(city)
    named["duty_grids"] = [(dict(p, cells=""), c.geometry) for (p, _), c in zip(named["duty_grids"], city.communities)]
    write(tmp_path / "t.gpkg", "GPKG", named)
    result = run(tmp_path / "t.gpkg", supervisors=SUPERVISORS)
    assert result.city.duty_grids == city.duty_grids


def test_gbk_shapefile_without_cpg_reads_with_the_mappings_encoding(tmp_path, city):
    named = split_layers(city)
    write(tmp_path / "gbk", "ESRI Shapefile", {"cells": named["cells"], "streets": named["streets"]},
          layer_options=("ENCODING=GBK",))
    for cpg in (tmp_path / "gbk").glob("*.cpg"):
        cpg.unlink()
    mapping = {"settings": {"encoding": "GBK"}, "layers": {
        "streets": {"layer": "streets", "fields": {"code": "code", "name": "name"}},
        "cells": {"layer": "cells", "fields": {"code": "code", "community_code": "community"}}}}
    result = run(tmp_path / "gbk", mapping)
    assert result.problems == [], result.report()
    assert [s.name for s in result.city.streets] == ["东华门街道", "景山街道"]


def test_short_cells_and_long_component_codes(tmp_path, city):
    """14-digit cells (CJ/T 213) and 17-digit components (3-digit minor class) by setting."""
    cells = tuple(replace(c, code=c.code[:12] + c.code[13:]) for c in city.cells)
    comps = tuple(replace(c, code=c.code[:8] + "0" + c.code[8:], cell_code=c.cell_code[:12] + c.cell_code[13:])
                  for c in city.components)
    grids = tuple(replace(g, cell_codes=tuple(x[:12] + x[13:] for x in g.cell_codes)) for g in city.duty_grids)
    write(tmp_path / "t.gpkg", "GPKG", layers(replace(city, cells=cells, components=comps, duty_grids=grids)))
    mapping = default_mapping()
    mapping["settings"].update(cell_sequence_digits=2, component_minor_digits=3)
    del mapping["layers"]["components"]["fields"]["class_code"]  # derived from the 17-digit code
    result = run(tmp_path / "t.gpkg", mapping, supervisors=SUPERVISORS)
    assert result.problems == [], result.report()
    assert result.city.cells[0].code == "11010100100101" and result.city.sequence_digits == 2
    assert [c.class_code for c in result.city.components] == ["0103", "0211", "0405"]
    # The same file read as 15-digit cells is wrong everywhere.
    assert {p.problem_type for p in run(tmp_path / "t.gpkg", default_mapping()).problems} >= {"bad_code"}


def test_progress_is_reported(tmp_path, city):
    write(tmp_path / "t.gpkg", "GPKG", layers(city))
    calls = []
    run(tmp_path / "t.gpkg", progress=lambda step, done, total: calls.append((step, done, total)))
    assert ("read cells", 8, 8) in calls and any(step == "check" for step, _, _ in calls)


@pytest.mark.parametrize("mapping, message", [
    ({"layers": {"cells": {"layer": "c"}}, "extra": 1}, "unknown key(s) extra"),
    ({"layers": {"cells": {"layer": "c", "fields": {"colour": "x"}}}}, "colour"),
    ({"layers": {"streets": {"layer": "s"}}}, "no [layers.cells]"),
    ({"layers": {"cells": {"fields": {}}}}, "needs a source"),
    ({"settings": {"cell_sequence_digits": 6}, "layers": {"cells": {"layer": "c"}}}, "cell_sequence_digits"),
    ({"settings": {"time_zone": "Mars/Olympus"}, "layers": {"cells": {"layer": "c"}}}, "time_zone"),
    ({"settings": {"metric_crs": "EPSG:4326"}, "layers": {"cells": {"layer": "c"}}}, "metric_crs"),
    ({"repair": {"overlap_rule": "coin"}, "layers": {"cells": {"layer": "c"}}}, "overlap_rule"),
    ("no-such-mapping", "cannot read mapping"),
])
def test_bad_mappings_are_refused_before_reading(mapping, message):
    with pytest.raises(MappingError, match=None) as e:
        load_mapping(mapping)
    assert message in str(e.value)


def test_the_shipped_mappings_load():
    for path in MAPPINGS_DIR.glob("*.toml"):
        assert load_mapping(path).layers["cells"]
    assert load_mapping("cjt").name == "cjt.toml"


def test_a_missing_path_is_a_problem_not_a_crash(tmp_path):
    [problem] = run(tmp_path / "nothing.gpkg").problems
    assert problem.problem_type == "unreadable"


def test_points_outside_every_cell_are_reported(tmp_path, city):
    comps = (replace(city.components[0], cell_code="", geometry=Point(116.0, 39.0)),) + city.components[1:]
    named = layers(replace(city, components=comps))
    write(tmp_path / "t.gpkg", "GPKG", named)
    result = run(tmp_path / "t.gpkg", supervisors=SUPERVISORS)
    [problem] = result.problems
    assert problem.problem_type == "unknown_parent" and "lies in no cell" in problem.message and problem.fid == 1


@pytest.mark.parametrize("driver, name", [("GPKG", "t.gpkg"), ("GeoJSON", "t"), ("ESRI Shapefile", "t"),
                                          ("OpenFileGDB", "t.gdb"), ("CSV", "t")])
def test_the_arrow_reader_reads_what_the_feature_loop_reads(tmp_path, city, driver, name):
    """The fast path (GDAL's Arrow stream) and the slow one agree, nulls and all."""
    from gridmaps.importer import reader

    named = split_layers(city)
    named["components_pt"].append(({"code": "1101010103000002"}, None))  # nulls everywhere
    write(tmp_path / name, driver, named)
    source = reader.Source(tmp_path / name)
    for layer_name, path in source.layers().items():
        ds = reader._open(path, (), layer_name)
        lyr = ds.GetLayerByName(layer_name)
        defn = lyr.GetLayerDefn()
        columns = {defn.GetFieldDefn(i).GetName(): (i, False) for i in range(defn.GetFieldCount())}
        spatial = defn.GetGeomFieldCount() > 0
        fast = reader._read_arrow(lyr, columns, spatial, lambda n: None)
        slow = reader._read_features(lyr, columns, spatial, lambda n: None, layer_name)
        assert fast[:2] == slow[:2], layer_name
        assert [shapely.from_wkb(w) if w else None for w in fast[2]] == \
               [shapely.from_wkb(w) if w else None for w in slow[2]], layer_name


def _truncated_gpkg(tmp_path, city):
    write(tmp_path / "t.gpkg", "GPKG", layers(city))
    data = (tmp_path / "t.gpkg").read_bytes()
    (tmp_path / "t.gpkg").write_bytes(data[: len(data) // 2])
    return tmp_path / "t.gpkg", None


def _html_named_gpkg(tmp_path, city):
    (tmp_path / "x.gpkg").write_bytes(b"<html><script>alert(1)</script></html>")
    return tmp_path / "x.gpkg", None


def _engineering_crs(tmp_path, city):
    write(tmp_path / "shp", "ESRI Shapefile", split_layers(city))
    (tmp_path / "shp" / "cells.prj").write_text('LOCAL_CS["site grid",UNIT["metre",1]]')
    return tmp_path / "shp", split_mapping()


def _unknown_crs(tmp_path, city):
    write(tmp_path / "shp", "ESRI Shapefile", split_layers(city))
    return tmp_path / "shp", split_mapping(crs="EPSG:999999", force_crs=True)


def _no_layers(tmp_path, city):  # what an uploaded zip without a .shp unpacks to
    (tmp_path / "unpacked").mkdir()
    (tmp_path / "unpacked" / "readme.txt").write_text("the shapefiles are elsewhere")
    return tmp_path / "unpacked", None


@pytest.mark.parametrize("make, problem_type, words", [
    (_truncated_gpkg, "unreadable", "malformed"),
    (_html_named_gpkg, "unreadable", "not recognized"),
    (_engineering_crs, "bad_crs", "no transformation from site grid to WGS84"),
    (_unknown_crs, "bad_crs", "'EPSG:999999' is not a CRS"),
    (_no_layers, "unknown_layer", "no layer 'streets'"),
])
def test_a_broken_source_imports_nothing_and_says_why(tmp_path, city, make, problem_type, words):
    source, mapping = make(tmp_path, city)
    stored = []
    result = run(source, mapping, store=stored.append)
    assert result.city is None and stored == []
    assert result.problems[0].problem_type == problem_type and words in result.problems[0].message

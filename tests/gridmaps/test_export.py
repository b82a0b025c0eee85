"""gridmaps.export: GeoPackage and GeoJSON out, and back in through the default mapping."""

from __future__ import annotations

import json

import pytest
from osgeo import ogr

from gridmaps.export import LAYER_FIELDS, export_city
from gridmaps.importer import load_mapping, run
from tests.gridmaps.maptoy import toy_city
from tests.gridmaps.test_import import SUPERVISORS, assert_same_city


@pytest.mark.parametrize("driver, name", [("GPKG", "toy.gpkg"), ("GeoJSON", "toy")])
def test_export_then_import_gives_the_same_city(tmp_path, driver, name):
    city = toy_city()
    path = export_city(city, tmp_path / name, driver)
    result = run(path, "default", supervisors=SUPERVISORS)
    assert result.problems == [], result.report()
    assert_same_city(result.city, city, tol_m=1e-6)
    assert result.city.district.code == "110101" and result.city.district.name == "东城区"


def test_layers_carry_the_fields_the_default_mapping_reads(tmp_path):
    path = export_city(toy_city(), tmp_path / "toy.gpkg")
    ds = ogr.Open(str(path))
    mapping = load_mapping("default")
    for part, specs in mapping.layers.items():
        layer = ds.GetLayerByName(specs[0].layer)
        assert layer is not None, part
        names = {layer.GetLayerDefn().GetFieldDefn(i).GetName() for i in range(layer.GetLayerDefn().GetFieldCount())}
        assert set(specs[0].fields.values()) <= names, part
    assert set(LAYER_FIELDS) == set(mapping.layers)
    assert ds.GetLayerByName("components").GetFeatureCount() == 3


def test_geojson_is_one_file_per_layer_in_wgs84(tmp_path):
    folder = export_city(toy_city(), tmp_path / "gj", "GeoJSON")
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.geojson" for n in LAYER_FIELDS)
    grids = json.loads((folder / "duty_grids.geojson").read_text(encoding="utf-8"))
    props = grids["features"][0]["properties"]
    assert props["supervisor"] == "sup_west" and props["cells"].count(",") == 3
    lon, lat = grids["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 116 < lon < 117 and 39 < lat < 40


def test_export_refuses_to_overwrite_and_unknown_drivers(tmp_path):
    export_city(toy_city(), tmp_path / "a.gpkg")
    with pytest.raises(FileExistsError):
        export_city(toy_city(), tmp_path / "a.gpkg")
    with pytest.raises(ValueError, match="driver"):
        export_city(toy_city(), tmp_path / "b.shp", "ESRI Shapefile")

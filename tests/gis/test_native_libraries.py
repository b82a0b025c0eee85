"""One copy of each native library in the process: pyproj and shapely must use the system PROJ
and GEOS that GDAL and GeoDjango load, or the process can abort at exit (two libproj copies)."""

import subprocess
import sys

import pyproj
import shapely


def _system(cmd: list[str]) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


def test_pyproj_uses_the_system_proj():
    assert pyproj.proj_version_str == _system(["pkg-config", "--modversion", "proj"])


def test_shapely_uses_the_system_geos():
    assert shapely.geos_version_string == _system(["geos-config", "--version"])


def test_all_three_loaded_together_exit_cleanly():
    code = ("import sqlite3, pyproj, shapely; from osgeo import ogr, osr;"
            "c = sqlite3.connect(':memory:'); c.enable_load_extension(True);"
            "c.load_extension('mod_spatialite'); c.execute('select InitSpatialMetadata(1)');"
            "pyproj.Transformer.from_crs(4326, 4548).transform(39.9, 116.4);"
            "osr.SpatialReference().ImportFromEPSG(4548)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr

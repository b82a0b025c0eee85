"""Writing a city back out: a GeoPackage (one layer per part) or a folder of GeoJSON files.

``export_city(city, path, driver="GPKG"|"GeoJSON")`` writes the parts in WGS84 (EPSG:4326,
lon/lat) with exactly the field names ``gridmaps/mappings/default.toml`` reads, so that
export -> import gives the same city back (tested), its settings included. Layers: city (no
geometry, one row: district code and name, country, subdivision, time zone, metric frame as
``EPSG:n``, cell sequence digits), district, streets, communities, cells, duty_grids (cells and
supervisor usernames comma-separated; outline = union of its cells), departments (no geometry;
class codes and accounts comma-separated), components, places. Polygons are written as
MultiPolygons.

Refuses to overwrite an existing file or a non-empty folder (FileExistsError).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import shapely
from osgeo import ogr, osr
from shapely.geometry import MultiPolygon, Polygon

from gridmaps.model import City

ogr.UseExceptions()
osr.UseExceptions()

__all__ = ["DRIVERS", "LAYER_FIELDS", "export_city"]

DRIVERS = ("GPKG", "GeoJSON")

#: layer -> (geometry type, [(field name, city attribute or function)]).
LAYER_FIELDS: dict[str, tuple[int, list[tuple[str, Callable]]]] = {
    "city": (ogr.wkbNone, [("code", lambda x: x.district.code), ("name", lambda x: x.settings.name),
                           ("country", lambda x: x.settings.country),
                           ("subdivision", lambda x: x.settings.subdivision),
                           ("time_zone", lambda x: x.settings.time_zone),
                           ("metric_crs", lambda x: f"EPSG:{x.settings.metric_epsg}"),
                           ("cell_sequence_digits", lambda x: str(x.sequence_digits))]),
    "district": (ogr.wkbMultiPolygon, [("code", lambda x: x.code), ("name", lambda x: x.name)]),
    "streets": (ogr.wkbMultiPolygon, [("code", lambda x: x.code), ("name", lambda x: x.name)]),
    "communities": (ogr.wkbMultiPolygon, [("code", lambda x: x.code), ("name", lambda x: x.name),
                                          ("street", lambda x: x.street_code)]),
    "cells": (ogr.wkbMultiPolygon, [("code", lambda x: x.code), ("community", lambda x: x.community_code),
                                    ("street", lambda x: x.street_code), ("area_m2", lambda x: x.area_m2)]),
    "duty_grids": (ogr.wkbMultiPolygon, [("code", lambda x: x.code), ("name", lambda x: x.name),
                                         ("cells", lambda x: ",".join(x.cell_codes)),
                                         ("supervisor", lambda x: ",".join(x.supervisor_usernames))]),
    "departments": (ogr.wkbNone, [("code", lambda x: x.code), ("name", lambda x: x.name),
                                  ("kind", lambda x: x.kind), ("name_en", lambda x: x.name_en),
                                  ("street", lambda x: x.street_code),
                                  ("classes", lambda x: ",".join(x.class_codes)),
                                  ("accounts", lambda x: ",".join(x.accounts))]),
    "components": (ogr.wkbUnknown, [("code", lambda x: x.code), ("class", lambda x: x.class_code),
                                    ("name", lambda x: x.name), ("owner", lambda x: x.owner_code),
                                    ("maintainer", lambda x: x.maintainer_code), ("cell", lambda x: x.cell_code),
                                    ("state", lambda x: x.state)]),
    "places": (ogr.wkbUnknown, [("code", lambda x: x.code), ("name", lambda x: x.name), ("kind", lambda x: x.kind),
                                ("street", lambda x: x.street_code)]),
}


def _multi(geom):
    return MultiPolygon([geom]) if isinstance(geom, Polygon) else geom


def _parts(city: City) -> dict[str, list[tuple[object, object]]]:
    """layer -> [(item, geometry)]."""
    cell_geoms = {c.code: c.geometry for c in city.cells}
    grids = []
    for g in city.duty_grids:
        member = [cell_geoms[c] for c in g.cell_codes if c in cell_geoms]
        grids.append((g, _multi(shapely.union_all(member)) if member else None))
    return {
        "city": [(city, None)],
        "district": [(city.district, _multi(city.district.geometry))],
        "streets": [(s, _multi(s.geometry)) for s in city.streets],
        "communities": [(c, _multi(c.geometry)) for c in city.communities],
        "cells": [(c, _multi(c.geometry)) for c in city.cells],
        "duty_grids": grids,
        "departments": [(d, None) for d in city.departments],
        "components": [(c, c.geometry) for c in city.components],
        "places": [(p, p.geometry) for p in city.places],
    }


def export_city(city: City, path: str | Path, driver: str = "GPKG",
                progress: Callable[[str, int, int], None] | None = None) -> Path:
    """Write ``city`` to ``path`` (a .gpkg file, or a folder for GeoJSON); returns the path."""
    if driver not in DRIVERS:
        raise ValueError(f"driver must be one of {', '.join(DRIVERS)}, not {driver!r}")
    path = Path(path)
    if path.exists() and (path.is_file() or any(path.iterdir())):
        raise FileExistsError(f"{path} exists; export writes only to a new file or an empty folder")
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    drv = ogr.GetDriverByName(driver)
    gpkg = None
    if driver == "GPKG":
        path.parent.mkdir(parents=True, exist_ok=True)
        gpkg = drv.CreateDataSource(str(path))
    else:
        path.mkdir(parents=True, exist_ok=True)
    try:
        for name, rows in _parts(city).items():
            geom_type, columns = LAYER_FIELDS[name]
            ds = gpkg if gpkg is not None else drv.CreateDataSource(str(path / f"{name}.geojson"))
            _write_layer(ds, name, geom_type, columns, rows, srs, gpkg is not None, progress)
            if gpkg is None:
                ds.FlushCache()
                ds = None
    finally:
        if gpkg is not None:
            gpkg.FlushCache()
            gpkg = None
    return path


def _write_layer(ds, name, geom_type, columns, rows, srs, transactional, progress) -> None:
    options = ["SPATIAL_INDEX=YES"] if transactional else ["RFC7946=NO", "WRITE_NAME=NO"]
    layer = ds.CreateLayer(name, srs if geom_type != ogr.wkbNone else None, geom_type, options=options)
    for field_name, getter in columns:
        sample = getter(rows[0][0]) if rows else ""
        defn = ogr.FieldDefn(field_name, ogr.OFTReal if isinstance(sample, float) else ogr.OFTString)
        layer.CreateField(defn)
    defn = layer.GetLayerDefn()
    if transactional:
        ds.StartTransaction()
    t = time.perf_counter()
    for n, (item, geom) in enumerate(rows, start=1):
        feat = ogr.Feature(defn)
        for k, (_, getter) in enumerate(columns):
            feat.SetField(k, getter(item))
        if geom is not None and geom_type != ogr.wkbNone:
            feat.SetGeometryDirectly(ogr.CreateGeometryFromWkb(shapely.to_wkb(geom)))
        layer.CreateFeature(feat)
        if progress and (n % 5000 == 0 or time.perf_counter() - t > 1):
            progress(f"write {name}", n, len(rows))
            t = time.perf_counter()
    if transactional:
        ds.CommitTransaction()
    if progress:
        progress(f"write {name}", len(rows), len(rows))

"""The toy map the import, export and validation tests share, and a writer for any OGR format.

Toy map (MapIt-style hand-drawn squares, metres in EPSG:4548 near Dongcheng): district 110101;
two streets side by side (001 west, 002 east), each one community of 2 x 2 cells of 100 m,
numbered west→east, north→south (15-digit codes); one duty grid per community (supervisors
sup_west, sup_east); components: a manhole cover (point, 0103), a guard rail (line, 0211) and a
green space (polygon, 0405); places: a road (line) and two door plates (points).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import shapely
from osgeo import ogr, osr
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from gis.frames import coords_to_metres, from_metres, to_metres
from gridmaps.model import City, Cell, Community, Component, Department, District, DutyGrid, Place, Street

ogr.UseExceptions()
osr.UseExceptions()

ORIGIN = (116.4100, 39.9300)
STREETS = ("110101001", "110101002")
COMMUNITIES = ("110101001001", "110101002001")


def origin_m() -> tuple[float, float]:
    x, y = to_metres(*ORIGIN)
    return round(x), round(y)


def rect(x0: float, y0: float, w: float = 100.0, h: float = 100.0) -> Polygon:
    """A rectangle given in metres offsets from the origin, as a WGS84 polygon."""
    ox, oy = origin_m()
    corners = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h), (x0, y0)]
    return Polygon([from_metres(ox + x, oy + y) for x, y in corners])


def at(x: float, y: float) -> tuple[float, float]:
    ox, oy = origin_m()
    return from_metres(ox + x, oy + y)


def toy_city() -> City:
    streets, communities, cells, grids = [], [], [], []
    for s, (street, community) in enumerate(zip(STREETS, COMMUNITIES)):
        x0 = 200.0 * s
        outline = rect(x0, -100, 200, 200)
        streets.append(Street(street, ["东华门街道", "景山街道"][s], "110101", outline))
        communities.append(Community(community, ["东华门第1社区", "景山第1社区"][s], street, outline))
        seq = 0
        for row in range(2):  # north first
            for col in range(2):
                seq += 1
                cells.append(Cell(f"{community}{seq:03d}", community, street, 10000.0,
                                  rect(x0 + col * 100, -row * 100)))
        grids.append(DutyGrid(f"DG{community}1", f"{communities[-1].name}1号责任网格",
                              tuple(c.code for c in cells[-4:]), (["sup_west", "sup_east"][s],)))
    cells_m = shapely.transform(np.array([c.geometry for c in cells], dtype=object), coords_to_metres)
    cells = [Cell(c.code, c.community_code, c.street_code, round(float(shapely.area(g)), 2), c.geometry)
             for c, g in zip(cells, cells_m)]
    district = District("110101", "东城区", shapely.union_all([s.geometry for s in streets]))
    components = (
        Component("1101010103000001", "0103", "雨水井盖1号", "water", "water", cells[0].code, "intact",
                  Point(*at(50, 50))),
        Component("1101010211000001", "0211", "交通护栏1号", "roads", "roads", cells[1].code, "damaged",
                  LineString([at(110, 20), at(190, 20)])),
        Component("1101010405000001", "0405", "绿地1号", "parks", "parks", cells[4].code, "intact",
                  rect(220, 20, 40, 40)),
    )
    places = (
        Place("P0001", "东华门大街", "road", LineString([at(0, 0.5), at(200, 0.5)]), STREETS[0]),
        Place("P0002", "东华门大街1号", "door_plate", Point(*at(20, 30)), STREETS[0]),
        Place("P0003", "景山前街2号", "door_plate", Point(*at(250, -50)), STREETS[1]),
    )
    departments = (Department("water", "排水集团", "owner"), Department("roads", "市政管理委员会", "maintainer"),
                   Department("parks", "园林绿化局", "owner"),
                   Department("ST110101001", "东华门街道办事处", "territory"),
                   Department("ST110101002", "景山街道办事处", "territory"))
    return City(district=district, streets=tuple(streets), communities=tuple(communities), cells=tuple(cells),
                duty_grids=tuple(grids), departments=departments, components=components, sequence_digits=3,
                places=places)


def layers(city: City) -> dict[str, list[tuple[dict, object]]]:
    """Layer name -> [(properties, WGS84 geometry or None)], fields as the default mapping reads."""
    return {
        "district": [({"code": city.district.code, "name": city.district.name}, city.district.geometry)],
        "streets": [({"code": s.code, "name": s.name}, s.geometry) for s in city.streets],
        "communities": [({"code": c.code, "name": c.name, "street": c.street_code}, c.geometry)
                        for c in city.communities],
        "cells": [({"code": c.code, "community": c.community_code, "street": c.street_code}, c.geometry)
                  for c in city.cells],
        "duty_grids": [({"code": g.code, "name": g.name, "cells": ",".join(g.cell_codes),
                         "supervisor": ",".join(g.supervisor_usernames)}, None) for g in city.duty_grids],
        "departments": [({"code": d.code, "name": d.name, "kind": d.kind}, None) for d in city.departments],
        "components": [({"code": c.code, "class": c.class_code, "name": c.name, "owner": c.owner_code,
                         "maintainer": c.maintainer_code, "cell": c.cell_code, "state": c.state}, c.geometry)
                       for c in city.components],
        "places": [({"code": p.code, "name": p.name, "kind": p.kind, "street": p.street_code}, p.geometry)
                   for p in city.places],
    }


def split_by_type(rows: list[tuple[dict, object]]) -> dict[str, list[tuple[dict, object]]]:
    """Point, line and polygon rows apart (Shapefile and FileGDB layers hold one type)."""
    out: dict[str, list] = {}
    for props, g in rows:
        out.setdefault({"Point": "pt", "LineString": "ln"}.get(g.geom_type, "pg"), []).append((props, g))
    return out


def write(path: Path, driver: str, named: dict[str, list[tuple[dict, object]]], *, epsg: int | None = 4326,
          srs_text: str = "", transform=None, layer_options: tuple[str, ...] = ()) -> Path:
    """Write layers with OGR: one dataset ``path`` (GPKG, OpenFileGDB) or one file per layer in the
    folder ``path`` (ESRI Shapefile -> .shp, GeoJSON -> .geojson, CSV -> .csv with a WKT column).
    ``transform`` maps an (N, 2) lon/lat array to the target frame's coordinates."""
    srs = None
    if epsg or srs_text:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(epsg) if epsg else srs.SetFromUserInput(srs_text)
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    drv = ogr.GetDriverByName(driver)
    single = driver in ("GPKG", "OpenFileGDB")
    if single:
        ds = drv.CreateDataSource(str(path))
    else:
        path.mkdir(parents=True, exist_ok=True)
    suffix = {"ESRI Shapefile": ".shp", "GeoJSON": ".geojson", "CSV": ".csv"}.get(driver, "")
    for name, rows in named.items():
        target = ds if single else drv.CreateDataSource(str(path / f"{name}{suffix}"))
        geoms = [g for _, g in rows if g is not None]
        if not geoms:
            gtype = ogr.wkbNone
        elif driver in ("ESRI Shapefile", "OpenFileGDB"):
            gtype = {"Point": ogr.wkbPoint, "LineString": ogr.wkbLineString}.get(geoms[0].geom_type, ogr.wkbMultiPolygon)
        else:
            gtype = ogr.wkbUnknown
        options = list(layer_options)
        if driver == "CSV" and gtype != ogr.wkbNone:
            options.append("GEOMETRY=AS_WKT")
        if driver == "ESRI Shapefile":
            options.append("ENCODING=UTF-8")
        lyr = target.CreateLayer(name, srs if gtype != ogr.wkbNone else None, gtype, options=options)
        for field in rows[0][0]:
            lyr.CreateField(ogr.FieldDefn(field, ogr.OFTString))
        for props, g in rows:
            feat = ogr.Feature(lyr.GetLayerDefn())
            for k, v in props.items():
                feat.SetField(k, v)
            if g is not None and gtype != ogr.wkbNone:
                if isinstance(g, Polygon) and gtype == ogr.wkbMultiPolygon:
                    g = MultiPolygon([g])
                if transform is not None:
                    g = shapely.transform(g, transform)
                feat.SetGeometry(ogr.CreateGeometryFromWkb(shapely.to_wkb(g)))
            lyr.CreateFeature(feat)
        if not single:
            target = None
    if single:
        ds = None
    return path


def copy(src: Path, dst: Path) -> Path:
    (shutil.copytree if src.is_dir() else shutil.copy)(src, dst)
    return dst

"""What the handset reads of the active map: the components near a point (to pick the exact
asset) and the supervisor's duty map for offline use.

Both read the process's placement index of the active version (``server.maps.index``) and
then fetch only the rows they name by indexed columns ((version, code) for cells and
components, (version, cell_code) for a duty map's components): no request scans a whole map.
"""

from __future__ import annotations

import functools
import hashlib
import json

from gis.frames import Frame
from gis.placement import OutsideManagedArea
from gridmaps.classification import class_by_code
from server.maps.index import LoadedMap
from server.maps.models import Cell, Component

NEARBY_LIMIT = 20


@functools.cache
def class_names() -> dict[str, str]:
    """Component class code -> its Chinese name (the classification is read once)."""
    return {code: item.minor_zh for code, item in class_by_code("component").items()}


def _lonlat(geom) -> tuple[float, float]:
    """A point to show the component at: itself, or a point on a line or inside a polygon."""
    p = geom if geom.geom_type == "Point" else geom.point_on_surface
    return round(p.x, 7), round(p.y, 7)


def nearby(loaded: LoadedMap, lon: float, lat: float, radius_m: float) -> dict:
    """The cell holding the WGS84 point (None outside the managed area) and the components
    within ``radius_m``, nearest first, at most ``NEARBY_LIMIT``."""
    index = loaded.index
    try:
        placement = index.place(lon, lat, radius_m=radius_m, limit=NEARBY_LIMIT)
        cell, found = placement.cell_code, placement.components
    except OutsideManagedArea:
        cell = None
        found = index.components_near(lon, lat, Frame.WGS84, radius_m=radius_m,
                                      limit=NEARBY_LIMIT)
    where = dict((code, _lonlat(g)) for code, g in Component.objects.filter(
        version_id=loaded.version_id, code__in=[c.code for c in found]).values_list("code", "geom"))
    names = class_names()
    cell_body = None
    if cell is not None:
        community = (Cell.objects.filter(version_id=loaded.version_id, code=cell)
                     .values_list("community_code", flat=True).first() or "")
        cell_body = {"code": cell, "name": loaded.community_names.get(community, "")}
    return {
        "map_version": loaded.version_id,
        "cell": cell_body,
        "components": [
            {"code": c.code, "class_code": c.class_code, "class_name": names.get(c.class_code, ""),
             "distance_m": round(c.distance_m, 1),
             "lon": where.get(c.code, (None, None))[0], "lat": where.get(c.code, (None, None))[1]}
            for c in found],
    }


def duty_map_tag(loaded: LoadedMap, grids: list[tuple[str, list[str]]]) -> str:
    """The duty map's ETag: the map version and a digest of the user's grids
    (``server.accounts.access.duty_grids``). A version's geometry never changes once stored,
    but who patrols which grid (and a grid's cells) can be edited within it; the handset must
    then fetch its map again."""
    digest = hashlib.sha256(json.dumps(grids).encode()).hexdigest()[:16]
    return f'"{loaded.version_id}-{digest}"'


def duty_map(loaded: LoadedMap, grids: list[tuple[str, list[str]]]) -> dict:
    """The cells of ``grids`` (the user's, ``server.accounts.access.duty_grids``) plus one ring
    of neighbours, and their components, as GeoJSON (WGS84). Empty collections and ``bbox``
    None for a supervisor without a duty grid."""
    own = {code for _, codes in grids for code in codes}
    codes = loaded.index.cells_touching(own)
    cells, bounds = [], None
    for code, community, street, geom in (Cell.objects.filter(version_id=loaded.version_id,
                                                              code__in=codes)
                                          .order_by("code")
                                          .values_list("code", "community_code", "street_code",
                                                       "geom")):
        x0, y0, x1, y1 = geom.extent
        bounds = (x0, y0, x1, y1) if bounds is None else (
            min(bounds[0], x0), min(bounds[1], y0), max(bounds[2], x1), max(bounds[3], y1))
        cells.append({"type": "Feature", "geometry": json.loads(geom.json), "properties": {
            "code": code, "community_code": community, "street_code": street,
            "community_name": loaded.community_names.get(community, ""),
            "duty": code in own}})
    names = class_names()
    components = []
    for code, class_code, geom in (Component.objects.filter(version_id=loaded.version_id,
                                                            cell_code__in=codes)
                                   .order_by("code").values_list("code", "class_code", "geom")):
        geometry = ({"type": "Point", "coordinates": [round(geom.x, 7), round(geom.y, 7)]}
                    if geom.geom_type == "Point" else json.loads(geom.json))
        components.append({"type": "Feature", "geometry": geometry, "properties": {
            "code": code, "class_code": class_code, "class_name": names.get(class_code, "")}})
    return {
        "map_version": loaded.version_id,
        "duty_grids": [code for code, _ in grids],
        "bbox": [round(v, 7) for v in bounds] if bounds else None,
        "cells": {"type": "FeatureCollection", "features": cells},
        "components": {"type": "FeatureCollection", "features": components},
    }

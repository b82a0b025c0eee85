"""The placement index of the active map version, one per process.

Built on first use from the database (cells and components of the active ``MapVersion``) and
rebuilt when another version becomes active: every call compares the active version id, one
indexed query, so that all workers follow an activation without a restart.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from shapely import wkb

from gis.placement import CellRecord, ComponentRecord, Placement, PlacementIndex
from server.maps.models import Cell, Community, Component, MapVersion, Street


class NoActiveMap(RuntimeError):
    """No map version is active: nothing can be placed (load the demo city or import a map)."""


@dataclass(frozen=True)
class LoadedMap:
    version_id: int
    index: PlacementIndex
    community_names: dict[str, str]
    street_names: dict[str, str]


_lock = threading.Lock()
_loaded: LoadedMap | None = None


def _build(version: MapVersion) -> LoadedMap:
    cells = [
        CellRecord(code=c.code, community_code=c.community_code, street_code=c.street_code,
                   geometry=wkb.loads(bytes(c.geom.wkb)))
        for c in Cell.objects.filter(version=version).only(
            "code", "community_code", "street_code", "geom")
    ]
    components = [
        ComponentRecord(code=c.code, class_code=c.class_code, geometry=wkb.loads(bytes(c.geom.wkb)),
                        owner_code=c.owner_code or None, maintainer_code=c.maintainer_code or None)
        for c in Component.objects.filter(version=version).only(
            "code", "class_code", "geom", "owner_code", "maintainer_code")
    ]
    return LoadedMap(
        version_id=version.pk,
        index=PlacementIndex(cells, components),
        community_names=dict(Community.objects.filter(version=version).values_list("code", "name")),
        street_names=dict(Street.objects.filter(version=version).values_list("code", "name")),
    )


def active_map() -> LoadedMap:
    """The loaded active map; raises NoActiveMap when none is active."""
    global _loaded
    active_id = MapVersion.objects.filter(active=True).values_list("pk", flat=True).first()
    if active_id is None:
        raise NoActiveMap("no map version is active")
    current = _loaded
    if current is not None and current.version_id == active_id:
        return current
    with _lock:
        if _loaded is None or _loaded.version_id != active_id:
            _loaded = _build(MapVersion.objects.get(pk=active_id))
        return _loaded


def place(lon: float, lat: float, *, accuracy_m: float = 0.0,
          class_code: str | None = None) -> tuple[LoadedMap, Placement]:
    """Place a WGS84 point on the active map (raises gis.placement.OutsideManagedArea)."""
    loaded = active_map()
    return loaded, loaded.index.place(lon, lat, accuracy_m=accuracy_m, class_code=class_code)


def forget() -> None:
    """Drop the cached index (tests that swap databases call this)."""
    global _loaded
    with _lock:
        _loaded = None

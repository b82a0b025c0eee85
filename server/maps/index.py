"""The placement index of the active map version, one per process.

Built on first use from the database (cells, components and duty grids with their supervisors
of the active ``MapVersion``) and rebuilt when another version becomes active: calls compare
the active version id, one indexed query (outside a transaction at most once a second,
``server.reread_cache``), so that all workers follow an activation (``server.maps.versions``)
without a restart. A placement names the duty grid holding its
cell and that grid's supervisor usernames. The index and the gazetteer measure in the version's
metric frame (``summary["city"]``, ``gridmaps.model.CitySettings``).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import shapely
from django.db import connection

from gis.frames import MetricFrame, metric_frame
from gis.gazetteer import Gazetteer, PlaceRecord
from gridmaps.model import CitySettings
from gis.placement import CellRecord, ComponentRecord, DutyGridRecord, Placement, PlacementIndex
from server.maps.models import Cell, Community, Component, DutyGrid, MapVersion, Place, Street
from server.maps.rawgeo import select_rows
from server.reread_cache import RereadCache


class NoActiveMap(RuntimeError):
    """No map version is active: nothing can be placed (load the demo city or import a map)."""


@dataclass(frozen=True)
class LoadedMap:
    version_id: int
    index: PlacementIndex
    community_names: dict[str, str]
    street_names: dict[str, str]
    settings: CitySettings = CitySettings()
    #: class code -> the department most of its components name as owner (else maintainer):
    #: who answers for a component of the class when the component itself is not known.
    class_owners: dict[str, str] = field(default_factory=dict)

    @property
    def metric(self) -> MetricFrame:
        return self.index.metric


_lock = threading.Lock()
_loaded: LoadedMap | None = None
_ACTIVE_SQL = (f'SELECT "id" FROM {connection.ops.quote_name(MapVersion._meta.db_table)} '
               'WHERE "active" ORDER BY "id" LIMIT 1')
_gazetteer: tuple[int, Gazetteer] | None = None  # (version id, gazetteer), built on first use


def _build(version: MapVersion) -> LoadedMap:
    # Raw WKB rows: the ORM would build a GEOSGeometry per row, far slower on big maps.
    cells = [CellRecord(code=code, community_code=community, street_code=street, geometry=shapely.from_wkb(g))
             for code, community, street, g in select_rows(
                 Cell, ("code", "community_code", "street_code", "geom"), version.pk)]
    components = [ComponentRecord(code=code, class_code=cls, geometry=shapely.from_wkb(g),
                                  owner_code=owner or None, maintainer_code=maint or None)
                  for code, cls, g, owner, maint in select_rows(
                      Component, ("code", "class_code", "geom", "owner_code", "maintainer_code"), version.pk)]
    grids = [DutyGridRecord(code=g.code, cell_codes=tuple(g.cell_codes),
                            supervisor_usernames=tuple(sorted(u.username for u in g.supervisors.all())))
             for g in DutyGrid.objects.filter(version=version).prefetch_related("supervisors").order_by("code")]
    settings = CitySettings.from_dict(version.summary.get("city"))
    return LoadedMap(
        class_owners=_class_owners(components),
        version_id=version.pk,
        index=PlacementIndex(cells, components, grids, metric=metric_frame(settings.metric_epsg)),
        settings=settings,
        community_names=dict(Community.objects.filter(version=version).values_list("code", "name")),
        street_names=dict(Street.objects.filter(version=version).values_list("code", "name")),
    )


def _class_owners(components: list[ComponentRecord]) -> dict[str, str]:
    owners: dict[str, Counter] = {}
    maintainers: dict[str, Counter] = {}
    for c in components:
        if c.owner_code:
            owners.setdefault(c.class_code, Counter())[c.owner_code] += 1
        elif c.maintainer_code:
            maintainers.setdefault(c.class_code, Counter())[c.maintainer_code] += 1
    # The most frequent code, the lowest one among equals: the same answer on every build.
    return {cls: min(counts, key=lambda code: (-counts[code], code))
            for cls, counts in (maintainers | owners).items()}


def _active_id() -> int | None:
    # Plain SQL: this runs for every report, and building the ORM's query cost more than the
    # query.
    with connection.cursor() as cur:
        cur.execute(_ACTIVE_SQL)
        row = cur.fetchone()
    return row[0] if row else None


#: The active version id, re-read at most once a second outside a transaction.
_active = RereadCache(_active_id)


def active_map() -> LoadedMap:
    """The loaded active map; raises NoActiveMap when none is active."""
    global _loaded
    active_id = _active.get()
    if active_id is None:
        raise NoActiveMap("no map version is active")
    current = _loaded
    if current is not None and current.version_id == active_id:
        return current
    with _lock:
        if _loaded is None or _loaded.version_id != active_id:
            _loaded = _build(MapVersion.objects.get(pk=active_id))
        return _loaded


_settings: tuple[int | None, CitySettings] | None = None


def active_zone() -> ZoneInfo:
    """The active city's time zone: its local days, weeks and months are the evaluation's
    periods (``workflows.periods``), its local date is "today" (Beijing's without a map)."""
    return ZoneInfo(active_settings().time_zone)


def active_settings() -> CitySettings:
    """The active version's city settings (its clock, calendar country, metric frame): one
    small query when the active version changes, without building the placement index;
    Beijing's defaults when no version is active."""
    global _settings
    active_id = _active.get()
    current = _settings
    if current is not None and current[0] == active_id:
        return current[1]
    summary = (MapVersion.objects.filter(pk=active_id).values_list("summary", flat=True).first()
               if active_id is not None else None)
    settings = CitySettings.from_dict((summary or {}).get("city"))
    _settings = (active_id, settings)
    return settings


def active_metric() -> MetricFrame:
    """The metric frame of the active city (Beijing's EPSG:4548 when none is active): what
    distances between points are measured in outside the placement index."""
    return metric_frame(active_settings().metric_epsg)


def place(lon: float, lat: float, *, accuracy_m: float = 0.0,
          class_code: str | None = None) -> tuple[LoadedMap, Placement]:
    """Place a WGS84 point on the active map (raises gis.placement.OutsideManagedArea)."""
    loaded = active_map()
    return loaded, loaded.index.place(lon, lat, accuracy_m=accuracy_m, class_code=class_code)


def gazetteer() -> tuple[int, Gazetteer]:
    """(version id, ``gis.gazetteer.Gazetteer``) over the active version's places; built on first
    use and rebuilt after an activation, like the placement index. Raises NoActiveMap."""
    global _gazetteer
    loaded = active_map()
    current = _gazetteer
    if current is not None and current[0] == loaded.version_id:
        return current
    with _lock:
        if _gazetteer is None or _gazetteer[0] != loaded.version_id:
            places = [PlaceRecord(code, name, place_type, shapely.from_wkb(g), street)
                      for code, name, place_type, street, g in select_rows(
                          Place, ("code", "name", "place_type", "street_code", "geom"), loaded.version_id)]
            # Street office names may lead an address without "街道": tell the gazetteer.
            admin = [n.removesuffix("街道") for n in loaded.street_names.values()]
            _gazetteer = (loaded.version_id, Gazetteer(places, admin_names=admin, metric=loaded.metric))
        return _gazetteer


def forget() -> None:
    """Drop the cached index and gazetteer (tests that swap databases call this)."""
    global _loaded, _gazetteer, _settings
    _active.forget()
    with _lock:
        _loaded = None
        _gazetteer = None
        _settings = None

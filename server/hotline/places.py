"""Address search (地理编码) over the active map version's gazetteer, one per process.

The places are ``server.maps.models.Place`` rows of the active ``MapVersion``; the matching is
``gis.gazetteer.Gazetteer`` (pure). Built on first use and rebuilt when another version becomes
active (one indexed query per call, like ``server.maps.index``). Street and community names of
the version are the admin prefixes a caller may say first ("东华门街道…").

Every function answers ``[]`` / None when no map is active or the map has no places, so the
hotline page still works with a click on the map or typed coordinates.
"""

from __future__ import annotations

import threading

import shapely

from gis.gazetteer import Gazetteer, Match, PlaceRecord
from server.maps.models import Community, MapVersion, Place, Street
from server.maps.rawgeo import select_rows

#: A geocode below this score is a guess, not an address: the caller is asked for more.
MIN_SCORE = 0.6

_lock = threading.Lock()
_loaded: tuple[int, Gazetteer] | None = None


def _build(version_id: int) -> Gazetteer:
    records = [PlaceRecord(code=code, name=name, place_type=place_type,
                           geometry=shapely.from_wkb(g), street_code=street or "")
               for code, name, place_type, street, g in select_rows(
                   Place, ("code", "name", "place_type", "street_code", "geom"), version_id)]
    admin = [*Street.objects.filter(version_id=version_id).values_list("name", flat=True),
             *Community.objects.filter(version_id=version_id).values_list("name", flat=True)]
    return Gazetteer(records, admin_names=admin)


def gazetteer() -> Gazetteer | None:
    """The active version's gazetteer, or None without an active map or places."""
    global _loaded
    active_id = MapVersion.objects.filter(active=True).values_list("pk", flat=True).first()
    if active_id is None:
        return None
    current = _loaded
    if current is None or current[0] != active_id:
        with _lock:
            if _loaded is None or _loaded[0] != active_id:
                _loaded = (active_id, _build(active_id))
            current = _loaded
    return current[1] if len(current[1]) else None


def forget() -> None:
    """Drop the cached gazetteer (tests that swap databases call this)."""
    global _loaded
    with _lock:
        _loaded = None


def geocode(text: str, limit: int = 5) -> list[Match]:
    g = gazetteer()
    return g.geocode(text, limit=limit) if g is not None and text.strip() else []


def suggest(prefix: str, limit: int = 10) -> list[Match]:
    g = gazetteer()
    return g.suggest(prefix, limit=limit) if g is not None and prefix.strip() else []


def reverse(lon: float, lat: float, max_distance_m: float = 100) -> Match | None:
    g = gazetteer()
    return g.reverse(lon, lat, max_distance_m=max_distance_m) if g is not None else None


def best_point(text: str) -> Match | None:
    """The one place an address means, if the gazetteer is sure enough (score >= MIN_SCORE)."""
    found = geocode(text, limit=1)
    return found[0] if found and found[0].score >= MIN_SCORE else None


def by_code(code: str) -> Match | None:
    """A place of the active map by its code (Open311 ``address_id``), with a point on it."""
    version_id = MapVersion.objects.filter(active=True).values_list("pk", flat=True).first()
    place = Place.objects.filter(version_id=version_id, code=code).first() if version_id else None
    if place is None:
        return None
    p = place.geom.point_on_surface
    return Match(place.code, place.name, place.place_type, p.x, p.y, 1.0)


def as_json(m: Match) -> dict:
    """The API's place: ``kind`` is the wire name of ``Match.place_type``."""
    return {"code": m.code, "name": m.name, "kind": m.place_type, "lon": round(m.lon, 7),
            "lat": round(m.lat, 7), "score": m.score}

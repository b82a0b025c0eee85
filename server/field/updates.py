"""Component updates (部件更新): the only writer of ``ComponentUpdate`` rows.

A supervisor reports (``report_update``); the map keeper (地图维护员) approves or rejects each
(``decide``, row lock, pending only); ``publish`` builds the NEXT map version from the active one
plus every approved change, through ``server.maps.store.store_city`` like an import: inactive
unless ``activate=True`` (then activated in the same transaction, as ``import_map --activate``
does). Every step keeps who and when on the row.

What a change does in the new version: ``damaged`` / ``missing`` set the component's state;
``removed`` takes it off the map; ``added`` puts a new component at the reported point, with the
next free code of its class (district + class + 6-digit sequence) and the owner and maintainer
of the nearest component of its class within ``OWNER_RADIUS_M`` (the keeper fixes them later if
needed). A change whose component is no longer in the active version (another update or an
import removed it), or an addition now outside every cell, is skipped and stays approved: the
answer lists it with the reason.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point as ShapelyPoint

from gis.placement import OutsideManagedArea
from gridmaps.model import Component as CityComponent
from server.cases.photos import CleanPhoto
from server.idempotency import create_once
from server.field.maps import class_names
from server.field.models import ComponentUpdate
from server.maps.index import active_map
from server.maps.models import MapVersion
from server.maps.store import city_from_db, store_city
from workflows import Refused

log = logging.getLogger("dcm.field")

OWNER_RADIUS_M = 200.0
SEQUENCE_DIGITS = 6


class NothingToPublish(ValueError):
    """No approved change could go into a new map version; the message says why."""


@dataclass
class PublishResult:
    version: MapVersion
    published: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def report_update(user, *, change: str, component_code: str, class_code: str, lon: float,
                  lat: float, cell_code: str, note: str, photo: CleanPhoto | None,
                  map_version_id: int, key: str, request_hash: str) -> tuple[ComponentUpdate, bool]:
    """Store a pending update once per idempotency key: ``(row, created)``."""
    def create():
        row = ComponentUpdate(change=change, component_code=component_code, class_code=class_code,
                              location=Point(lon, lat, srid=4326), cell_code=cell_code,
                              note=note, map_version_id=map_version_id, reporter=user,
                              idempotency_key=key, request_hash=request_hash)
        if photo is not None:
            row.photo_sha256 = photo.sha256
            row.photo.save(f"update-{photo.sha256[:16]}.jpg", ContentFile(photo.jpeg), save=False)
        row.save()
        return row

    return create_once(ComponentUpdate, user, key, request_hash, "component update", create)


def decide(update_id: int, keeper, approve: bool, reason: str = "") -> ComponentUpdate:
    """Approve or reject a pending update. Raises ComponentUpdate.DoesNotExist, or Refused
    (409) when it is no longer pending."""
    with transaction.atomic():
        row = ComponentUpdate.objects.select_for_update().get(pk=update_id)
        if row.state != "pending":
            raise Refused("wrong_state", f"component update {row.pk} is {row.state}, not "
                          f"pending (decided by {row.decided_by.username} at "
                          f"{timezone.localtime(row.decided_at):%Y-%m-%d %H:%M})", 409)
        row.state = "approved" if approve else "rejected"
        row.decided_by, row.decided_at, row.reason = keeper, timezone.now(), reason
        row.save(update_fields=["state", "decided_by", "decided_at", "reason"])
    log.info("component update %s %s by %s", row.pk, row.state, keeper.username)
    return row


def publish(keeper, *, activate: bool = False, label: str = "") -> PublishResult:
    """Build the next map version from the active one plus every approved update (see the
    module doc). Raises NothingToPublish when none applies; nothing is written then."""
    with transaction.atomic():
        updates = list(ComponentUpdate.objects.select_for_update().filter(state="approved")
                       .order_by("id"))
        if not updates:
            raise NothingToPublish("no approved component update to publish")
        loaded = active_map()
        base = MapVersion.objects.get(pk=loaded.version_id)
        city = city_from_db(base)
        components = {c.code: c for c in city.components}
        taken = set(components) | set(ComponentUpdate.objects.exclude(component_code="")
                                      .values_list("component_code", flat=True))
        names = class_names()
        result_skipped: list[tuple[int, str]] = []
        applied: list[ComponentUpdate] = []
        for u in updates:
            lon, lat = u.location.x, u.location.y
            if u.change == "added":
                try:
                    placement = loaded.index.place(lon, lat, radius_m=OWNER_RADIUS_M, limit=1,
                                                   class_code=u.class_code)
                except OutsideManagedArea:
                    result_skipped.append((u.pk, f"({lon:.6f}, {lat:.6f}) is outside every "
                                                 f"cell of map version {base.pk}"))
                    continue
                code = _next_code(city.district.code, u.class_code, taken)
                taken.add(code)
                near = placement.components[0] if placement.components else None
                components[code] = CityComponent(
                    code, u.class_code, names.get(u.class_code, ""),
                    (near.owner_code or "") if near else "",
                    (near.maintainer_code or "") if near else "",
                    placement.cell_code, "intact", ShapelyPoint(lon, lat))
                u.component_code, u.cell_code = code, placement.cell_code
            elif u.component_code not in components:
                result_skipped.append((u.pk, f"component {u.component_code} is not in map "
                                             f"version {base.pk}"))
                continue
            elif u.change == "removed":
                del components[u.component_code]
            else:
                components[u.component_code] = dataclasses.replace(
                    components[u.component_code], state=u.change)
            applied.append(u)
        if not applied:
            raise NothingToPublish("; ".join(f"update {i}: {why}" for i, why in result_skipped))
        version = store_city(
            dataclasses.replace(city, components=tuple(components.values())),
            label=label or f"{base.label} + {len(applied)} 部件更新"[:100],
            source=f"component updates on map version {base.pk}", activate=activate,
            summary={"based_on": base.pk, "component_updates": [u.pk for u in applied]})
        now = timezone.now()
        for u in applied:
            u.state, u.published_by, u.published_at, u.published_version = (
                "published", keeper, now, version)
            u.save(update_fields=["state", "published_by", "published_at", "published_version",
                                  "component_code", "cell_code"])
    log.info("map version %s published by %s from %s with updates %s%s", version.pk,
             keeper.username, base.pk, [u.pk for u in applied], " (active)" if activate else "")
    return PublishResult(version, [u.pk for u in applied], result_skipped)


def _next_code(district: str, class_code: str, taken: set[str]) -> str:
    """District + class + the next sequence after the highest one ever used (codes of
    removed components are not given again)."""
    prefix = district + class_code
    used = [int(c[len(prefix):]) for c in taken
            if c.startswith(prefix) and len(c) == len(prefix) + SEQUENCE_DIGITS]
    return f"{prefix}{max(used, default=0) + 1:0{SEQUENCE_DIGITS}d}"


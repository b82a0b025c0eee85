"""The one way a non-handset report (hotline, Open311, camera alert) enters the queue.

``submit(...)`` checks the class, places the point on the active map and calls
``server.cases.actions.do_report`` with the channel, then runs ``attach(case)`` — the caller's
own record (a ``HotlineCall``, an Open311 ``ServiceRequest``, a ``CameraAlert``) — in the same
transaction, so a case never exists without the record that says who reported it, and a failed
record leaves no case. ``attach`` runs only when the case was created (not on an idempotent
replay). Refusals raise ``SubmitError`` before anything is stored.

Transactions: the outer ``atomic`` here wraps ``do_report``'s own (a savepoint then). The
realtime push ``do_report`` schedules runs on commit of the outer one, so a rolled-back record
never announces a case that does not exist.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable

from django.db import transaction

from gis.placement import OutsideManagedArea, Placement
from gridmaps.classification import ClassItem, class_by_code
from server.cases.actions import IdempotencyConflict, ReportInput, do_report
from server.cases.models import Case
from server.cases.photos import CleanPhoto
from server.maps.index import LoadedMap, NoActiveMap, place


class SubmitError(Exception):
    """A report that cannot enter the queue: ``code``, a message naming the field, an HTTP
    status (400 bad input, 409 idempotency conflict, 503 no active map)."""

    def __init__(self, code: str, message: str, *, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status


@dataclass(frozen=True)
class Submitted:
    case: Case
    created: bool
    #: The duty grid's supervisors (the verification (核实) goes to one of them); () on replay.
    supervisors: tuple[str, ...] = ()


def request_hash(*parts: Any) -> str:
    """A stable hash of what a client sent (idempotency compares it)."""
    canonical = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_class(kind: str, class_code: str) -> ClassItem:
    if kind not in ("component", "event"):
        raise SubmitError("invalid", f"kind must be component or event, not {kind!r}", field="kind")
    item = class_by_code(kind).get(class_code)
    if item is None:
        raise SubmitError("invalid", f"unknown {kind} class code {class_code!r}", field="class_code")
    return item


def check_point(lon: float, lat: float, *, kind: str = "event", class_code: str = "",
                accuracy_m: float = 0.0) -> tuple[LoadedMap, Placement]:
    """Where (lon, lat) falls on the active map; SubmitError outside it or with no map."""
    try:
        return place(lon, lat, accuracy_m=accuracy_m,
                     class_code=class_code if kind == "component" else None)
    except OutsideManagedArea:
        raise SubmitError("outside_area", f"lat/long ({lat}, {lon}) is outside the managed area",
                          field="lat") from None
    except NoActiveMap as exc:
        raise SubmitError("no_map", str(exc), status=503) from None


def submit(reporter, *, channel: str, kind: str, class_code: str, lon: float, lat: float,
           description: str, idempotency_key: str, hash_: str,
           photo: CleanPhoto | None = None, component_code: str = "", accuracy_m: float = 0.0,
           attach: Callable[[Case], None] | None = None) -> Submitted:
    """Report as ``reporter`` through ``channel``; see the module docstring."""
    check_class(kind, class_code)
    loaded, placement = check_point(lon, lat, kind=kind, class_code=class_code,
                                    accuracy_m=accuracy_m)
    report = ReportInput(kind=kind, class_code=class_code, lon=lon, lat=lat, accuracy_m=accuracy_m,
                         description=description, photo=photo, idempotency_key=idempotency_key,
                         request_hash=hash_, channel=channel, component_code=component_code)
    try:
        with transaction.atomic():
            case, created = do_report(reporter, report, loaded.version_id, placement)
            if created and attach is not None:
                attach(case)
    except IdempotencyConflict as exc:
        raise SubmitError("idempotency_conflict", str(exc), field="idempotency_key",
                          status=409) from None
    return Submitted(case, created, tuple(placement.supervisors) if created else ())

"""The intake door (上报入口): the one way every report channel puts a problem into the queue.

Handsets and web forms (``server.intake.views``), the hotline (``server.hotline.api``),
Open311 (``server.open311.intake``) and camera platforms (``server.open311.camera``) are
adapters: each reads its own wire format into a ``Report`` and turns ``Submitted`` or
``SubmitError`` back into its own answer. None of them places, hashes, numbers or stores
anything itself.

``submit(reporter, channel, report)`` does, in this order, so a refusal names the first real
obstacle and nothing is stored before every check passed:

1. the reporter's role may report through the channel (``SubmitError`` 403);
2. the class exists in its tree, the point is a finite WGS84 position, the accuracy, the
   description and the component code are in range (400, naming the field);
3. the idempotency key: an earlier identical request is answered with its case (``created``
   False, even if the map changed since); the key with another body or reporter is refused
   (409);
4. the photo (required from a field supervisor's handset) and the voice note are sniffed or
   cleaned (400 ``invalid_photo`` / ``invalid_voice``);
5. the point is placed on the active map (400 ``outside_area``; 503 ``no_map``);
6. ``server.cases.actions.do_report`` writes the case, and ``attach(case)`` (the channel's own
   record: a hotline call, an Open311 request, a camera alert) in the same transaction.

The request hash is over the report's own fields, the photo's and voice note's bytes and the
adapter's ``extra`` (what else makes two requests the same or different, such as a caller's
phone); a handset report without extras keeps the hash it always had.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from dataclasses import dataclass
from typing import Callable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from gis.placement import OutsideManagedArea, Placement
from gridmaps.classification import ClassItem, class_by_code
from server.cases.actions import ReportInput, do_report, find_replay, report_decision
from server.cases.models import Case
from server.cases.photos import PhotoInvalid, clean_photo, sniff_photo
from server.cases.voice import VoiceInvalid, clean_voice
from server.idempotency import KEY_PATTERN, IdempotencyConflict, request_hash
from server.intake.uploads import RawPhoto
from server.maps.index import LoadedMap, NoActiveMap, place
from server.reasons import worded
from workflows import Refused

_KEY = re.compile(KEY_PATTERN)
_COMPONENT_CODE = re.compile(r"^\d{16,17}$")
MAX_DESCRIPTION = 4000
MAX_ACCURACY_M = 5000.0
#: Channels whose reports must carry a photo: a field supervisor reports what they see.
PHOTO_REQUIRED = frozenset({"handset"})


class SubmitError(Exception):
    """A report that cannot enter the queue: ``code``, a message naming the field, the
    ``field`` and an HTTP status (400 bad input, 403 role, 409 idempotency conflict, 503 no
    active map)."""

    def __init__(self, code: str, message: str, *, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status


@dataclass(frozen=True)
class Report:
    """What a channel's adapter read from its request."""

    kind: str  # "component" | "event"
    class_code: str
    lon: float  # WGS84
    lat: float
    idempotency_key: str
    accuracy_m: float = 0.0
    description: str = ""
    component_code: str = ""
    photo: bytes | None = None  # as sent
    voice: bytes | None = None
    #: The adapter's other fields that tell two requests apart (they join the request hash).
    extra: tuple = ()
    #: The name of the photo field in the adapter's wire format (for error messages).
    photo_field: str = "photo"


@dataclass(frozen=True)
class Submitted:
    case: Case
    created: bool
    #: Where the report was placed; None for an idempotent replay.
    placement: Placement | None = None
    loaded: LoadedMap | None = None

    @property
    def supervisors(self) -> tuple[str, ...]:
        """The duty grid's supervisors (a public report's verification goes to one); () on a
        replay."""
        return tuple(self.placement.supervisors) if self.placement is not None else ()


@functools.cache
def _classes(kind: str) -> dict[str, ClassItem]:
    """The classes of a tree. The classification ships with the code (a versioned CSV in
    gridmaps), so a process reads it once, not once per report."""
    return class_by_code(kind)


def check_class(kind: str, class_code: str) -> ClassItem:
    """The class ``class_code`` of tree ``kind``; SubmitError naming the field otherwise."""
    if kind not in ("component", "event"):
        raise SubmitError("invalid", _("kind must be component or event, not %(value)s")
                          % {"value": repr(kind)}, field="kind")
    item = _classes(kind).get(class_code)
    if item is None:
        message = (_("unknown component class code %(code)s") if kind == "component"
                   else _("unknown event class code %(code)s"))
        raise SubmitError("invalid", message % {"code": repr(class_code)}, field="class_code")
    return item


def check_fields(report: Report) -> None:
    """Step 2 of the door (see the module docstring)."""
    check_class(report.kind, report.class_code)
    if not _KEY.match(report.idempotency_key or ""):
        raise SubmitError("invalid", _("idempotency_key: must be 8-64 letters, digits, '-' or "
                                       "'_'"), field="idempotency_key")
    for name, value, low, high in (("lat", report.lat, -90.0, 90.0),
                                   ("lon", report.lon, -180.0, 180.0),
                                   ("accuracy_m", report.accuracy_m, 0.0, MAX_ACCURACY_M)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high):
            raise SubmitError("invalid", _("%(name)s: must be a number from %(low)s to %(high)s, "
                                           "not %(value)s")
                              % {"name": {"lat": _("Latitude"), "lon": _("Longitude"),
                                          "accuracy_m": _("Accuracy (m)")}[name],
                                 "low": f"{low:g}", "high": f"{high:g}",
                                 "value": repr(value)}, field=name)
    if len(report.description) > MAX_DESCRIPTION:
        raise SubmitError("invalid", _("description: at most %(n)s characters")
                          % {"n": MAX_DESCRIPTION}, field="description")
    if report.component_code and not _COMPONENT_CODE.match(report.component_code):
        raise SubmitError("invalid", _("component_code: must be 16 or 17 digits"),
                          field="component_code")


def hash_of(report: Report, photo_sha256: str | None = None) -> str:
    """The one request hash of a report (see the module docstring). ``photo_sha256``: the
    photo's SHA-256 (hex) when the caller has it, so a 60 KB photo is hashed once."""
    photo = photo_sha256 or hashlib.sha256(report.photo or b"").hexdigest()
    parts = [report.kind, report.class_code, round(report.lat, 7), round(report.lon, 7),
             round(report.accuracy_m, 2), report.description, report.component_code, photo]
    if report.voice:  # joins only when sent: a report without one keeps its hash
        parts.append(report.voice)
    if report.extra:
        parts.append(list(report.extra))
    return request_hash(*parts)


def place_point(lon: float, lat: float, *, kind: str = "event", class_code: str = "",
                accuracy_m: float = 0.0) -> tuple[LoadedMap, Placement]:
    """Where (lon, lat) falls on the active map; SubmitError outside it or with no map."""
    try:
        return place(lon, lat, accuracy_m=accuracy_m,
                     class_code=class_code if kind == "component" else None)
    except OutsideManagedArea:
        raise SubmitError("outside_area", _("lat/lon (%(lat)s, %(lon)s) is outside the managed "
                                            "area") % {"lat": lat, "lon": lon},
                          field="lat") from None
    except NoActiveMap as exc:
        raise SubmitError("no_map", str(exc), status=503) from None


def _stored_photo(report: Report, sha256: str):
    if report.photo is None:
        return None
    try:
        if settings.PHOTOS_CLEAN_LATER:
            return RawPhoto(report.photo, sniff_photo(report.photo), sha256)
        return clean_photo(report.photo)
    except PhotoInvalid as exc:
        raise SubmitError("invalid_photo", worded(exc.reason), field=report.photo_field) from None


def submit(reporter, channel: str, report: Report, *,
           attach: Callable[[Case], None] | None = None) -> Submitted:
    """Put ``report`` into the queue as ``reporter`` through ``channel``; see the module
    docstring. Raises SubmitError for every refusal; stores nothing then."""
    now = timezone.now()
    if not getattr(reporter, "role", ""):
        raise SubmitError("role_not_allowed", _("user %(name)s has no role")
                          % {"name": repr(reporter.username)}, status=403)
    try:
        decision = report_decision(reporter, channel, now)
    except Refused as exc:
        raise SubmitError(exc.code, worded(exc.message), status=exc.status) from None
    check_fields(report)
    photo_sha256 = hashlib.sha256(report.photo or b"").hexdigest()
    digest = hash_of(report, photo_sha256)
    try:
        earlier = find_replay(reporter, report.idempotency_key, digest)
    except IdempotencyConflict as exc:
        raise SubmitError("idempotency_conflict", worded(exc.reason), field="idempotency_key",
                          status=409) from None
    if earlier is not None:
        return Submitted(earlier, False)
    if report.photo is None and channel in PHOTO_REQUIRED:
        raise SubmitError("invalid", _("a field supervisor's report needs a photo"),
                          field=report.photo_field)
    photo = _stored_photo(report, photo_sha256)
    voice = None
    if report.voice is not None:
        try:
            voice = clean_voice(report.voice)
        except VoiceInvalid as exc:
            raise SubmitError("invalid_voice", str(exc), field="voice") from None
    loaded, placement = place_point(report.lon, report.lat, kind=report.kind,
                                    class_code=report.class_code, accuracy_m=report.accuracy_m)
    stored = ReportInput(
        kind=report.kind, class_code=report.class_code, lon=report.lon, lat=report.lat,
        accuracy_m=report.accuracy_m, description=report.description, photo=photo,
        idempotency_key=report.idempotency_key, request_hash=digest, channel=channel,
        component_code=report.component_code, voice=voice)
    try:
        case, created = do_report(reporter, stored, loaded.version_id, placement, decision,
                                  now=now, attach=attach)
    except IdempotencyConflict as exc:
        raise SubmitError("idempotency_conflict", worded(exc.reason), field="idempotency_key",
                          status=409) from None
    if not created:
        return Submitted(case, False)
    return Submitted(case, True, placement, loaded)

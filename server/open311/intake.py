"""Open311 writes: POST requests (a new case) and POST servicerequestupdates (a comment).

``post_request(client, data)`` checks every parameter first and refuses with all the problems
at once (Open311Error 400, or 404 for an unknown service code), so a bad request stores
nothing (an unknown ``attribute[code]`` is ignored, as the spec allows; a character XML 1.0
cannot carry, such as a C0 control, is refused in any text, since every read is also served
as XML); then the case enters the queue through the intake door (``server.intake.submit``)
with channel ``open311`` as the ``open311`` system user, and the ``ServiceRequest`` row
(contact fields, media URLs, attributes, token) is stored in the same transaction.
"""

from __future__ import annotations

import math
import re
import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction

from server.cases.models import Case
from server.hotline import places
from server.intake.submit import Report, SubmitError, submit
from server.open311.formats import Open311Error, parse_w3c, xml_unsafe
from server.open311.models import Open311Client, RequestUpdate, ServiceRequest
from server.open311.services import clean_attributes, service_class
from server.open311.status import EXTENDED_UPPER

SYSTEM_USERNAME = "open311"
MAX_DESCRIPTION = 4000
CONTACT_LIMITS = {"email": 254, "device_id": 100, "account_id": 100, "first_name": 100,
                  "last_name": 100, "phone": 32}
_PHONE = re.compile(r"^\+?[\d\s()-]{3,32}$")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_url = URLValidator(schemes=["http", "https"])
_email = EmailValidator()


def _one(data, name: str) -> str:
    return (data.get(name) or "").strip()


def _printable(data, problems: list[str]) -> None:
    """A problem for each parameter whose value holds a character XML 1.0 does not allow
    (a C0 control such as U+0007): stored, it would be in every XML read of the request."""
    for name in data.keys():
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        for value in values:
            bad = xml_unsafe(value) if isinstance(value, str) else None
            if bad is not None:
                problems.append(f"{name[:60]} holds the character U+{ord(bad):04X}, which "
                                f"XML 1.0 cannot carry (a control character): remove it")
                break


def _contact(data, problems: list[str]) -> dict[str, str]:
    out = {}
    for name, limit in CONTACT_LIMITS.items():
        value = _one(data, name)
        if len(value) > limit:
            problems.append(f"{name} is longer than {limit} characters")
        elif name == "email" and value:
            try:
                _email(value)
            except ValidationError:
                problems.append(f"email {value!r} is not an e-mail address")
        elif name == "phone" and value and not _PHONE.match(value):
            problems.append(f"phone {value!r} is not a phone number")
        out[name] = value
    return out


def _media(data, problems: list[str]) -> list[str]:
    urls = [u.strip() for u in data.getlist("media_url") if u.strip()] if hasattr(
        data, "getlist") else ([data["media_url"]] if data.get("media_url") else [])
    for u in urls:
        try:
            if len(u) > 1000:
                raise ValidationError("too long")
            _url(u)
        except ValidationError:
            problems.append(f"media_url {u[:80]!r} is not an http(s) URL")
    return urls


def _location(data, problems: list[str]) -> tuple[float, float, str, str] | None:
    """(lon, lat, address_string, address_id): lat/long when sent, else the gazetteer's point
    for address_id, else for address_string."""
    lat_s, lon_s = _one(data, "lat"), _one(data, "long")
    address, address_id = _one(data, "address_string"), _one(data, "address_id")
    if len(address) > 300:
        problems.append("address_string is longer than 300 characters")
        return None
    if lat_s or lon_s:
        if not (lat_s and lon_s):
            problems.append("lat and long must be sent together")
            return None
        try:
            lat, lon = float(lat_s), float(lon_s)
        except ValueError:
            problems.append(f"lat/long must be numbers, not {lat_s!r}/{lon_s!r}")
            return None
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90
                and -180 <= lon <= 180):
            problems.append(f"lat/long ({lat_s}, {lon_s}) are not WGS84 coordinates")
            return None
        return lon, lat, address, address_id
    if address_id:
        match = places.by_code(address_id)
        if match is None:
            problems.append(f"address_id {address_id!r} is not a place of the gazetteer")
            return None
        return match.lon, match.lat, address or match.name, address_id
    if address:
        match = places.best_point(address)
        if match is None:
            problems.append(f"address_string {address!r} was not found in the gazetteer: "
                            f"send lat and long, or a more exact address")
            return None
        return match.lon, match.lat, address, ""
    problems.append("a location is required: lat and long, address_string or address_id")
    return None


def post_request(client: Open311Client, data) -> ServiceRequest:
    """Create a case from an Open311 POST (see the module docstring)."""
    code = _one(data, "service_code")
    if not code:
        raise Open311Error(400, "service_code is required (see services.json)")
    item = service_class(code)
    if item is None:
        raise Open311Error(404, f"service_code {code!r} was not found (see services.json)")
    problems: list[str] = []
    _printable(data, problems)
    sent: dict[str, list[str]] = {}
    for key in data.keys():
        m = _ATTRIBUTE.match(key)
        if m:
            sent.setdefault(m.group(1), []).extend(data.getlist(key))
        elif key.startswith("attribute"):
            problems.append(f"{key!r} is not of the form attribute[code]")
    attributes, attr_problems = clean_attributes(item, sent)
    problems += attr_problems
    location = _location(data, problems)
    contact = _contact(data, problems)
    media = _media(data, problems)
    description = (data.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        problems.append(f"description is longer than {MAX_DESCRIPTION} characters")
    if problems:
        raise Open311Error(400, *problems)
    lon, lat, address, address_id = location
    reporter = get_user_model().objects.get(username=SYSTEM_USERNAME)
    token = uuid.uuid4().hex
    record: dict = {}

    def attach(case: Case) -> None:
        record["sr"] = ServiceRequest.objects.create(
            case=case, client=client, token=token, service_code=code, address_string=address,
            address_id=address_id, media_urls=media, attributes=attributes, **contact)

    report = Report(kind=item.kind, class_code=item.code, lon=lon, lat=lat,
                    description=description, idempotency_key=f"o311-{token}",
                    component_code=attributes.get("component_code", ""),
                    extra=(client.pk, code, token))
    try:
        done = submit(reporter, "open311", report, attach=attach)
    except SubmitError as exc:
        raise Open311Error(exc.status, exc.message) from None
    return record.get("sr") or done.case.open311_request


def post_update(client: Open311Client, data) -> RequestUpdate:
    """Record a client's update on a request. The same (client, update_id) twice answers the
    first one (a retry), never a second row."""
    problems = [f"{name} is required" for name in
                ("service_request_id", "update_id", "status", "updated_datetime", "description")
                if not _one(data, name)]
    _printable(data, problems)
    if problems:
        raise Open311Error(400, *problems)
    status = _one(data, "status").upper()
    if status not in EXTENDED_UPPER:
        problems.append(f"status must be one of {', '.join(EXTENDED_UPPER)}, not {status!r}")
    try:
        updated = parse_w3c("updated_datetime", _one(data, "updated_datetime"))
    except Open311Error as exc:
        problems += [d for _, d in exc.errors]
        updated = None
    description = _one(data, "description")
    if len(description) > MAX_DESCRIPTION:
        problems.append(f"description is longer than {MAX_DESCRIPTION} characters")
    contact = _contact(data, problems)
    contact["title"] = _one(data, "title")[:100]
    media = _media(data, problems)
    if problems:
        raise Open311Error(400, *problems)
    case = Case.objects.filter(number=_one(data, "service_request_id")).first()
    if case is None:
        raise Open311Error(404, f"service_request_id {_one(data, 'service_request_id')!r} "
                                f"was not found")
    update_id = _one(data, "update_id")[:100]
    earlier = RequestUpdate.objects.filter(client=client, client_update_id=update_id).first()
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            return RequestUpdate.objects.create(
                case=case, client=client, client_update_id=update_id, status=status,
                description=description, updated_datetime=updated, media_urls=media,
                contact={k: v for k, v in contact.items() if v})
    except IntegrityError:  # a concurrent retry stored it first
        return RequestUpdate.objects.get(client=client, client_update_id=update_id)

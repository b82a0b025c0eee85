"""Numbers, dates and shapes a client sends in a query string, checked before they reach GEOS,
PROJ, SQL or a date library.

The rule for the whole server: every number a client sends is parsed here (or by a DRF field
that refuses NaN and infinities the same way) and checked finite and inside a stated range
before anything else sees it. Why it matters: GEOS 3.11 (Debian 12) aborts the whole process when
its WKT writer meets a coordinate around 1e200 (fixed upstream in 3.12.1); PostgreSQL refuses an
``OFFSET`` past 2**63 and SQLite a number past 2**63 with an error, not an empty page; a date at
either end of the calendar overflows when a day, a period or a time-zone offset is added.

Ranges:

- longitude -180..180 and latitude -90..90 degrees (WGS84); a bbox is four of them, west <= east
  and south <= north;
- whole numbers: each caller gives its own range (paging: ``MAX_OFFSET``);
- days and moments: ``FIRST_DAY`` .. ``LAST_DAY`` (years 1900 to 2999): far from both ends of
  Python's calendar, so a week, a month, a year or a time-zone shift added to one never
  overflows, and wide enough that no honest request is refused.

A refusal is ``ParamError``: HTTP 400, ``{"error": {"code": "invalid", "message", "field"}}``,
the message in the request's language (Chinese or English, from ``Accept-Language`` or the
language cookie) and naming the parameter. It is also a ``ValueError``, so code that reads the
same parameters for a page (and catches ``ValueError``) refuses them the same way.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import serializers

from server.api_errors import ApiError

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
#: The furthest a list may be paged (``offset``): far past any real table, far below 2**63.
MAX_OFFSET = 10**9
#: A number's text longer than this is refused before it is parsed.
MAX_NUMBER_TEXT = 64


class ParamError(ApiError, ValueError):
    """A parameter that is missing, malformed or out of range: 400 naming it."""

    def __init__(self, name: str, message: str):
        super().__init__("invalid", message, field=name)


def _shown(text) -> str:
    text = str(text)
    return repr(text if len(text) <= 40 else text[:40] + "…")


def finite(value: float, name: str, lo: float, hi: float) -> float:
    """``value`` if it is a finite number in [lo, hi]; else ParamError naming ``name``."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and lo <= value <= hi):
        raise ParamError(name, _("%(name)s must be a number from %(lo)s to %(hi)s, not "
                                 "%(value)s") % {"name": name, "lo": lo, "hi": hi,
                                                 "value": _shown(value)})
    return float(value)


def parse_number(text: str, name: str, lo: float, hi: float) -> float:
    """``text`` read as a finite number in [lo, hi]."""
    text = (text or "").strip()
    try:
        if len(text) > MAX_NUMBER_TEXT:
            raise ValueError
        value = float(text)
    except ValueError:
        raise ParamError(name, _("%(name)s must be a number from %(lo)s to %(hi)s, not "
                                 "%(value)s") % {"name": name, "lo": lo, "hi": hi,
                                                 "value": _shown(text)}) from None
    return finite(value, name, lo, hi)


def number(params, name: str, *, lo: float, hi: float, default: float | None = None) -> float:
    """Query parameter ``name`` as a finite number in [lo, hi]; ``default`` when it is absent
    or empty (ParamError when there is no default)."""
    text = params.get(name)
    if text in (None, ""):
        if default is None:
            raise ParamError(name, _("%(name)s is required") % {"name": name})
        return default
    return parse_number(text, name, lo, hi)


def integer(params, name: str, *, lo: int, hi: int, default: int | None = None) -> int:
    """Query parameter ``name`` as a whole number in [lo, hi]; ``default`` when absent or empty."""
    text = (params.get(name) or "").strip()
    if not text:
        if default is None:
            raise ParamError(name, _("%(name)s is required") % {"name": name})
        return default
    try:
        if len(text) > MAX_NUMBER_TEXT:
            raise ValueError
        value = int(text)
    except ValueError:
        value = None
    if value is None or not lo <= value <= hi:
        raise ParamError(name, _("%(name)s must be a whole number from %(lo)s to %(hi)s, not "
                                 "%(value)s") % {"name": name, "lo": lo, "hi": hi,
                                                 "value": _shown(text)})
    return value


def path_integer(text: str, name: str, *, lo: int, hi: int) -> int:
    """A number from the URL path (``/tiles/{z}/{x}/{y}.png``): ASCII digits only (no sign,
    space or ``+``), at most ``MAX_NUMBER_TEXT`` long, in [lo, hi]; else ParamError naming it."""
    value = int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_NUMBER_TEXT \
        else None
    if value is None or not lo <= value <= hi:
        raise ParamError(name, _("%(name)s must be a whole number from %(lo)s to %(hi)s, not "
                                 "%(value)s") % {"name": name, "lo": lo, "hi": hi,
                                                 "value": _shown(text)})
    return value


def lon_lat(params, lon: str = "lon", lat: str = "lat") -> tuple[float, float]:
    """(lon, lat) of two required query parameters, in degrees (WGS84 ranges)."""
    return (number(params, lon, lo=-180, hi=180), number(params, lat, lo=-90, hi=90))


def bbox(params, name: str = "bbox") -> tuple[float, float, float, float]:
    """``west,south,east,north`` in degrees: four finite numbers in range, west <= east and
    south <= north."""
    parts = (params.get(name) or "").split(",")
    if len(parts) != 4:
        raise ParamError(name, _("%(name)s must be four numbers west,south,east,north (degrees), "
                                 "not %(value)s") % {"name": name,
                                                     "value": _shown(params.get(name) or "")})
    w, s, e, n = (parse_number(p, name, lo, hi)
                  for p, (lo, hi) in zip(parts, [(-180, 180), (-90, 90)] * 2))
    if w > e or s > n:
        raise ParamError(name, _("%(name)s must be west,south,east,north with west <= east and "
                                 "south <= north") % {"name": name})
    return w, s, e, n


def check_day(value: date, name: str) -> date:
    """``value`` if it lies in FIRST_DAY..LAST_DAY; else ParamError naming ``name``."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ParamError(name, _("%(name)s must be a day from %(lo)s to %(hi)s, not %(value)s")
                         % {"name": name, "lo": FIRST_DAY.isoformat(),
                            "hi": LAST_DAY.isoformat(), "value": value.isoformat()})
    return value


def parse_day(text: str, name: str) -> date:
    """``text`` (YYYY-MM-DD) as a day in FIRST_DAY..LAST_DAY."""
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise ParamError(name, _("%(name)s must be a date like 2026-11-30, not %(value)s")
                         % {"name": name, "value": _shown(text)}) from None
    return check_day(value, name)


def day(params, name: str = "date", *, default: date | None = None) -> date:
    """Query parameter ``name`` as a day (YYYY-MM-DD) in FIRST_DAY..LAST_DAY; ``default`` when
    absent or empty."""
    text = params.get(name)
    if not text:
        if default is None:
            raise ParamError(name, _("%(name)s is required") % {"name": name})
        return default
    return parse_day(text, name)


def check_moment(value: datetime, name: str) -> datetime:
    """``value`` (aware or naive) if its day, in its own zone and in UTC, lies in
    FIRST_DAY..LAST_DAY; else ParamError naming ``name``."""
    check_day(value.date(), name)
    if value.tzinfo is not None:
        check_day((value.replace(tzinfo=None) - value.utcoffset()).date(), name)
    return value


class NulFreeQueryMiddleware:
    """Refuse a request whose path or query string holds a NUL character (``%00``): no
    parameter of this system may contain one, and PostgreSQL refuses it in text (a 500 wherever
    a view filters on it). 400 naming the parameter, in the request's language; bodies are
    left to their parsers (DRF's text fields refuse NUL themselves)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = "path" if "\x00" in request.path else next(
            (k for k, values in request.GET.lists()
             if "\x00" in k or any("\x00" in v for v in values)), None)
        if bad is None:
            return self.get_response(request)
        name = bad.replace("\x00", "\\0")
        return JsonResponse({"error": {"code": "invalid", "field": name, "message": _(
            "%(name)s must not contain a NUL character") % {"name": name}}}, status=400)


class DateTimeField(serializers.DateTimeField):  # noqa: TID251 (the one wrapper)
    """DRF's date-time field for request bodies, refusing a moment outside
    FIRST_DAY..LAST_DAY (DRF's own time-zone check overflowed on 0001-01-01T00:00:00+14:00:
    a 500) with a validation error naming the field."""

    def enforce_timezone(self, value):
        try:
            check_moment(value, self.field_name or "date-time")
        except ParamError as exc:
            raise serializers.ValidationError(exc.error["message"]) from None
        return super().enforce_timezone(value)


__all__ = ["DateTimeField", "FIRST_DAY", "LAST_DAY", "MAX_OFFSET", "NulFreeQueryMiddleware",
           "ParamError", "bbox", "check_day", "check_moment", "day", "finite", "integer",
           "lon_lat", "number", "parse_day", "parse_number", "path_integer"]

"""How the GeoReport v2 endpoints appear in ``/api/schema/``: the format as a path parameter,
each query parameter and POST field the views read (``queries``, ``intake``), and the two
answer formats. The spec (wiki.open311.org/GeoReport_v2) stays the reference for clients; the
schema is there so every door is listed with what it reads, and a fuzzer reaches it."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers

from server.open311.formats import FORMATS

FMT = OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(FORMATS),
                       description="answer format: json or xml")
JURISDICTION = OpenApiParameter("jurisdiction_id", str,
                                description="optional; another jurisdiction is 404")
API_KEY = OpenApiParameter("api_key", str, description="the client's key (optional on reads; "
                                                       "a wrong one is refused)")
WINDOW = [OpenApiParameter("start_date", str, description="W3C date-time; the window is at "
                                                          "most 90 days"),
          OpenApiParameter("end_date", str, description="W3C date-time")]
PAGING = [OpenApiParameter("page", int, description="1 (the newest rows, the default) and up; "
                                                  "a Link header names the next page"),
          OpenApiParameter("page_size", int, description="rows a page, at most 1,000")]
REQUESTS_QUERY = [OpenApiParameter("service_request_id", str,
                                   description="comma list; overrides the other filters"),
                  OpenApiParameter("service_code", str, description="comma list"),
                  OpenApiParameter("status", str, description="open, closed or both (comma)"),
                  *WINDOW, *PAGING]
ANSWERS = {(200, "application/json"): OpenApiTypes.ANY, (200, "text/xml"): OpenApiTypes.STR,
           (400, "application/json"): OpenApiTypes.ANY, (404, "application/json"):
           OpenApiTypes.ANY}
POST_ANSWERS = {**ANSWERS, (403, "application/json"): OpenApiTypes.ANY}

_text = serializers.CharField
_CONTACT = {name: _text(required=False) for name in
            ("email", "device_id", "account_id", "first_name", "last_name", "phone")}
REQUEST_FORM = inline_serializer("Open311RequestForm", {
    "api_key": _text(), "jurisdiction_id": _text(required=False), "service_code": _text(),
    "lat": _text(required=False), "long": _text(required=False),
    "address_string": _text(required=False), "address_id": _text(required=False),
    "description": _text(required=False), "media_url": _text(required=False), **_CONTACT})
UPDATE_FORM = inline_serializer("Open311UpdateForm", {
    "api_key": _text(), "jurisdiction_id": _text(required=False),
    "service_request_id": _text(), "update_id": _text(), "status": _text(),
    "updated_datetime": _text(), "description": _text(), "title": _text(required=False),
    "media_url": _text(required=False), **_CONTACT})


def read(summary: str, *params: OpenApiParameter):
    """``extend_schema`` of an Open311 read: format, jurisdiction and ``params``."""
    return extend_schema(summary=summary, tags=["open311"], parameters=[FMT, JURISDICTION,
                                                                          *params],
                         responses=ANSWERS, auth=[])


def write(summary: str, form):
    """``extend_schema`` of an Open311 POST: a form-encoded ``form`` with the client's key."""
    return extend_schema(summary=summary, tags=["open311"], parameters=[FMT], request={
        "application/x-www-form-urlencoded": form}, responses=POST_ANSWERS, auth=[])

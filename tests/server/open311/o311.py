"""Test tools for Open311: the published JSON Schemas (schemas/, copied from
open311/schema-validation), an XML reader (the spec's Spark mapping back to JSON), and an
in-process HTTP transport so a real client library (georeport, from PyPI) can talk to the
Django app without a live server (a live server would need transactional tests, which the
append-only event log's SQLite triggers refuse at flush)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import requests
from django.test import Client
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).resolve().parent / "schemas"
_docs = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.json")}
_registry = Registry().with_resources(
    (name, Resource.from_contents(doc, default_specification=DRAFT7))
    for name, doc in _docs.items())
#: w3c date-time with a time zone (the schemas' "format" is not enforced without extra packages).
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")
DATE_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime")


def validate(name: str, value) -> None:
    """Raise if ``value`` breaks the published schema ``name`` (e.g. "services.json"), or a
    date-time lacks its time zone."""
    Draft7Validator(_docs[name], registry=_registry).validate(value)
    for row in value if isinstance(value, list) else [value]:
        for field in DATE_FIELDS:
            if isinstance(row, dict) and row.get(field) is not None:
                assert W3C.match(row[field]), (field, row[field])


#: XML elements whose children form a list (the Spark convention's arrays).
LISTS = {"services", "service_requests", "attributes", "values", "endpoints", "formats",
         "errors", "service_request_updates"}


def _value(el: ET.Element):
    if el.tag in LISTS:
        return [_value(child) for child in el]
    if len(el):
        return {child.tag: _value(child) for child in el}
    return el.text or ""


def parse_xml(body: bytes):
    """An XML answer as the JSON one looks (text values; empty elements are "")."""
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:60]
    return _value(ET.fromstring(body))


class DjangoAdapter(requests.adapters.BaseAdapter):
    """A requests transport that hands each request to Django's test client (same process,
    same database transaction). Only the network is replaced; URLs, query strings, headers
    and bodies go through as sent."""

    def __init__(self):
        super().__init__()
        self.client = Client()

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        answer = self.client.generic(request.method, path, body,
                                     content_type=request.headers.get("Content-Type", ""))
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers.update(answer.headers)
        response.raw = io.BytesIO(answer.content)  # read by .content and .text
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self):
        pass


def session() -> requests.Session:
    s = requests.Session()
    s.mount("http://testserver", DjangoAdapter())
    return s

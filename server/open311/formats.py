"""GeoReport v2 output: JSON and XML from one value, errors, w3c date-times.

The XML is the spec's schemaless form; the JSON follows it by the Spark convention (a list
element becomes an array of its children, the root element disappears). ``render(value, fmt,
root)`` takes the JSON value and the XML root name; list children are named by ``ITEM``.
Both are UTF-8 with the Content-Type headers the spec gives. Characters XML 1.0 cannot carry
(the C0 controls other than tab, line feed and carriage return, lone surrogates, U+FFFE and
U+FFFF) are dropped from every XML text (``xml_safe``), so an answer is always well-formed.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

from server.params import ParamError, check_moment

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

#: XML element name of a list's children, by the list's name.
ITEM = {"services": "service", "service_requests": "request", "attributes": "attribute",
        "values": "value", "endpoints": "endpoint", "formats": "format", "errors": "error",
        "service_request_updates": "request_update"}


#: What XML 1.0 allows in a document (its production ``Char``), negated.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 does not allow."""
    return _NOT_XML.sub("", text)


def xml_unsafe(text: str) -> str | None:
    """The first character of ``text`` that XML 1.0 does not allow, or None."""
    m = _NOT_XML.search(text)
    return m.group() if m else None


class Open311Error(Exception):
    """One or more errors, each (code, description), answered with HTTP ``status``."""

    def __init__(self, status: int, *errors: tuple[int, str] | str):
        self.status = status
        self.errors = [e if isinstance(e, tuple) else (status, e) for e in errors]
        super().__init__("; ".join(d for _, d in self.errors))


def w3c(value: datetime | None) -> str | None:
    """ISO 8601 (w3c note) with the offset always given, in the deployment's time zone."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def parse_w3c(name: str, text: str) -> datetime:
    """A w3c date-time that must carry a time zone (Z or ±HH:MM) and lie in the days
    ``server.params`` accepts; Open311Error(400) if not."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a w3c date-time such as "
                                f"2026-01-01T00:00:00+08:00, not {text!r}") from None
    if value.tzinfo is None:
        raise Open311Error(400, f"{name} must include a time zone (Z or +08:00): {text!r}")
    try:  # a moment at either end of the calendar overflows once shifted by its offset
        return check_moment(value, name)
    except ParamError as exc:
        raise Open311Error(400, exc.error["message"]) from None


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_safe(str(value))


def _xml(parent: ET.Element, name: str, value: Any) -> None:
    el = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for k, v in value.items():
            _xml(el, k, v)
    elif isinstance(value, list):
        for item in value:
            _xml(el, ITEM.get(name, "item"), item)
    else:
        el.text = _scalar(value)


def to_xml(value: Any, root: str) -> bytes:
    """``value`` (a list or a dict) as the spec's XML under ``root``."""
    top = ET.Element(root)
    if isinstance(value, list):
        for item in value:
            _xml(top, ITEM.get(root, "item"), item)
    else:
        for k, v in value.items():
            _xml(top, k, v)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8",
                                                                      xml_declaration=False)


def render(value: Any, fmt: str, root: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(value, root)
    else:
        body = json.dumps(value, ensure_ascii=False).encode()
    return HttpResponse(body, status=status,
                        content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["xml"]))


def error_response(err: Open311Error, fmt: str) -> HttpResponse:
    """The spec's error list (XML when the format is unknown: XML is the required one)."""
    value = [{"code": code, "description": description} for code, description in err.errors]
    return render(value, fmt if fmt in FORMATS else "xml", "errors", status=err.status)

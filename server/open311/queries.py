"""Open311 reads: service requests and their updates, as the spec's fields.

Every case is a service request, whatever channel it came through (the queue is one); its id is
the case number and its service code the kind letter + class (``services``). Public answers:
no reporter, caller or actor; descriptions and addresses through ``server.portal.privacy``
and without the characters XML cannot carry (so the JSON and XML answers say the same).

Windows: GET requests and GET servicerequestupdates span at most ``MAX_SPAN`` (90 days, the
default window ending now) and answer in pages of at most ``MAX_RESULTS`` (1000) rows, the
newest page first: ``page`` (1, 2, ...) and ``page_size`` (1 to 1000, default 1000). Requests
are listed newest first; the updates of one page are listed oldest first (the order a client
applies them in), but page 1 holds the newest updates of the window, so a client polling the
last hours always sees the latest steps. ``Page.more`` says an older page follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from server.cases.models import Case, CaseEvent
from server.hotline import places
from server.open311.formats import Open311Error, parse_w3c, w3c, xml_safe
from server.open311.services import code_of, service_class, service_name
from server.open311.status import extended_status, status_notes, status_of, CLOSED_STATES
from server.portal.privacy import public_address, public_description
from workflows import NOTE_ACTIONS, SYSTEM_ACTIONS, Action, State

MAX_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
#: The last page a client may ask for (an offset beyond it is no window of 90 days here).
MAX_PAGE = 10_000
_ACTIVE = object()  # request_json's default: look the active gazetteer up


def cases() -> QuerySet[Case]:
    return Case.objects.select_related("department", "open311_request", "hotline_call")


def _address(case: Case, gazetteer) -> str | None:
    """The address a client or caller gave (redacted: anyone may have typed a phone number
    into it), else the gazetteer's name for the point."""
    sr = getattr(case, "open311_request", None)
    if sr is not None and sr.address_string:
        return xml_safe(public_address(sr.address_string, case)) or None
    call = getattr(case, "hotline_call", None)
    if call is not None and call.address:
        return xml_safe(public_address(call.address, case)) or None
    match = gazetteer.reverse(case.location.x, case.location.y) if gazetteer is not None else None
    return match.name if match is not None else None


def request_json(case: Case, gazetteer=_ACTIVE) -> dict:
    """One service request in the spec's field order. ``gazetteer``: the one to name the
    address with when the request carries none (a list passes it once for all its rows)."""
    if gazetteer is _ACTIVE:
        gazetteer = places.gazetteer()
    sr = getattr(case, "open311_request", None)
    item = service_class(code_of(case.kind, case.class_code))
    state = State(case.state)
    return {
        "service_request_id": case.number,
        "status": status_of(case.state),
        "status_notes": status_notes(case),
        "service_name": service_name(item) if item else None,
        "service_code": code_of(case.kind, case.class_code),
        "description": xml_safe(public_description(case))[:4000] or None,
        "agency_responsible": case.department.name if case.department_id else None,
        "service_notice": None,
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.handle_deadline) if state not in CLOSED_STATES else None,
        "address": _address(case, gazetteer),
        "address_id": (sr.address_id or None) if sr is not None else None,
        "zipcode": None,
        "lat": round(case.location.y, 7),
        "long": round(case.location.x, 7),
        "media_url": (sr.media_urls[0] if sr is not None and sr.media_urls else None),
    }


def window(params, now: datetime | None = None) -> tuple[datetime, datetime]:
    """(start, end) from ``start_date`` / ``end_date``: the last 90 days by default; a window
    longer than 90 days is refused (400)."""
    now = now or timezone.now()
    start = parse_w3c("start_date", params["start_date"]) if params.get("start_date") else None
    end = parse_w3c("end_date", params["end_date"]) if params.get("end_date") else None
    if start is None and end is None:
        end, start = now, now - MAX_SPAN
    elif start is None:
        start = end - MAX_SPAN
    elif end is None:
        end = min(start + MAX_SPAN, max(now, start))
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date to end_date may not span more than 90 days")
    return start, end


@dataclass(frozen=True)
class Page:
    """One page of an answer: its rows, and whether an older page follows (``more``), with
    the window it was cut from (a next page's link pins it, so rows arriving meanwhile do
    not shift the pages)."""

    rows: list[dict]
    more: bool = False
    number: int = 1
    start: datetime | None = None
    end: datetime | None = None


def paging(params) -> tuple[int, int]:
    """(page, page_size) from ``page`` (1 to 10000, default 1) and ``page_size`` (1 to
    ``MAX_RESULTS``, default ``MAX_RESULTS``); Open311Error(400) naming the bad one."""
    problems, out = [], []
    for name, default, top in (("page", 1, MAX_PAGE), ("page_size", MAX_RESULTS, MAX_RESULTS)):
        text = (params.get(name) or "").strip()
        if not text:
            out.append(default)
            continue
        if not (text.isascii() and text.isdigit() and len(text) <= 6 and 1 <= int(text) <= top):
            problems.append(f"{name} must be a whole number from 1 to {top}, not {text[:20]!r}")
            out.append(default)
            continue
        out.append(int(text))
    if problems:
        raise Open311Error(400, *problems)
    return out[0], out[1]


def _cut(qs, page: int, size: int) -> tuple[list, bool]:
    """Rows of page ``page`` of ``qs`` (already ordered) and whether more follow."""
    rows = list(qs[(page - 1) * size:page * size + 1])
    return rows[:size], len(rows) > size


def _list(params, name: str) -> list[str]:
    return [v.strip() for v in (params.get(name) or "").split(",") if v.strip()]


def find_requests(params) -> Page:
    """GET requests: ``service_request_id`` (comma list, overrides the rest), else
    ``service_code`` (comma list), ``status`` (open, closed), the date window and the page."""
    ids = _list(params, "service_request_id")
    if ids:
        rows = cases().filter(number__in=ids[:MAX_RESULTS])
        g = places.gazetteer()
        return Page([request_json(c, g) for c in rows.order_by("-created_at")])
    page, size = paging(params)
    problems = []
    codes = _list(params, "service_code")
    for code in codes:
        if service_class(code) is None:
            problems.append(f"service_code {code!r} is not a service (see services.json)")
    statuses = _list(params, "status")
    for s in statuses:
        if s not in ("open", "closed"):
            problems.append(f"status must be open or closed, not {s!r}")
    if problems:
        raise Open311Error(400, *problems)
    start, end = window(params)
    qs = cases().filter(created_at__gte=start, created_at__lte=end)
    if codes:
        by_kind: dict[str, list[str]] = {}
        for code in codes:
            item = service_class(code)
            by_kind.setdefault(item.kind, []).append(item.code)
        q = Q(pk=None)
        for kind, class_codes in by_kind.items():
            q |= Q(kind=kind, class_code__in=class_codes)
        qs = qs.filter(q)
    if statuses and len(set(statuses)) == 1:
        closed = [s.value for s in CLOSED_STATES]
        if statuses[0] == "closed":
            qs = qs.filter(state__in=closed)
        else:
            qs = qs.exclude(state__in=closed)
    g = places.gazetteer()
    found, more = _cut(qs.order_by("-created_at", "-id"), page, size)
    return Page([request_json(c, g) for c in found], more, page, start, end)


def find_updates(params) -> Page:
    """GET servicerequestupdates: the steps cases took in the window (light changes of the
    timer, urges and comments are not steps), a page at a time: page 1 holds the newest
    ``page_size`` steps, each page lists its steps oldest first. The description names the
    step only: reasons and notes are internal."""
    page, size = paging(params)
    start, end = window(params)
    events, more = _cut(CaseEvent.objects.select_related("case")
                        .filter(at__gte=start, at__lte=end)
                        .exclude(action__in=[a.value for a in SYSTEM_ACTIONS | NOTE_ACTIONS])
                        .order_by("-at", "-id"), page, size)
    out = []
    for e in reversed(events):
        action, to_state = Action(e.action), State(e.to_state)
        out.append({
            "update_id": str(e.id),
            "service_request_id": e.case.number,
            "status": extended_status(e.action, e.from_state, e.to_state),
            "updated_datetime": w3c(e.at),
            "description": f"{action.zh} {action.en}: {to_state.zh} {to_state.en}",
            "media_url": "",
        })
    return Page(out, more, page, start, end)

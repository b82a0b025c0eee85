"""GeoReport v2 as clients use it: the updates feed answers the newest steps first when it is
bounded, both lists come in pages with a Link to the next one, FixMyStreet's CANCELLED status
is taken, and attributes the service does not define are ignored."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from server.open311 import queries
from server.open311.models import RequestUpdate, ServiceRequest
from tests.server.hotline.helpers import close_public
from tests.server.open311.o311 import parse_xml
from tests.server.open311.test_open311_post import errors_of, post

BASE = "/open311/v2"


def get(cast, path, fmt="json", **params):
    r = cast["anonymous"].get(f"{BASE}/{path}.{fmt}", params)
    assert r.status_code == 200, r.content
    return r, (r.json() if fmt == "json" else parse_xml(r.content))


def next_link(r) -> str | None:
    m = re.fullmatch(r'<(http://testserver[^>]+)>; rel="next"', r.get("Link", ""))
    return m.group(1).removeprefix("http://testserver") if m else None


def test_a_bounded_updates_answer_holds_the_latest_steps(cast, monkeypatch):
    number = post(cast).json()[0]["service_request_id"]
    close_public(cast, number)
    monkeypatch.setattr(queries, "MAX_RESULTS", 3)
    for fmt in ("json", "xml"):
        r, updates = get(cast, "servicerequestupdates", fmt)
        assert [u["status"] for u in updates] == ["investigating", "fixed", "fixed"], updates
        assert updates[-1]["description"] == "结案 Close: 已结案 Closed"
        assert next_link(r) is not None


def test_the_updates_feed_pages_back_through_the_window(cast):
    number = post(cast).json()[0]["service_request_id"]
    close_public(cast, number)
    _, everything = get(cast, "servicerequestupdates")
    assert len(everything) == 11 and everything[0]["status"] == "open"
    assert everything[-1]["updated_datetime"] >= everything[0]["updated_datetime"]
    r, first = get(cast, "servicerequestupdates", page_size=4)
    assert first == everything[-4:]
    pages, link = [first], next_link(r)
    while link:
        query = parse_qs(urlsplit(link).query)
        assert query["page"] == [str(len(pages) + 1)] and query["page_size"] == ["4"]
        assert query["start_date"] and query["end_date"]  # the window of page 1, pinned
        post(cast)  # a new step after page 1 shifts nothing
        r = cast["anonymous"].get(link)
        pages.append(r.json())
        link = next_link(r)
    assert [len(p) for p in pages] == [4, 4, 3]
    assert [u for p in reversed(pages) for u in p] == everything


def test_the_requests_list_pages_newest_first(cast):
    numbers = [post(cast).json()[0]["service_request_id"] for _ in range(3)]
    for fmt in ("json", "xml"):
        r, first = get(cast, "requests", fmt, page_size=2)
        assert [x["service_request_id"] for x in first] == numbers[:0:-1]
        link = next_link(r)
        assert link and "page=2" in link and f"requests.{fmt}" in link
        r = cast["anonymous"].get(link)
        rows = r.json() if fmt == "json" else parse_xml(r.content)
        assert [x["service_request_id"] for x in rows] == numbers[:1] and next_link(r) is None
    r, rows = get(cast, "requests", page=2)
    assert rows == [] and next_link(r) is None


@pytest.mark.parametrize("path", ["requests", "servicerequestupdates"])
@pytest.mark.parametrize("params, words", [
    ({"page": "0"}, "page must be a whole number from 1 to 10000, not '0'"),
    ({"page": "2" * 30}, "page must be a whole number from 1 to 10000"),
    ({"page": "-1"}, "page must be a whole number"),
    ({"page_size": "1001"}, "page_size must be a whole number from 1 to 1000, not '1001'"),
    ({"page_size": "ten"}, "page_size must be a whole number from 1 to 1000"),
])
def test_bad_paging_is_400_and_says_why(cast, path, params, words):
    r = cast["anonymous"].get(f"{BASE}/{path}.xml", params)
    assert r.status_code == 400
    assert any(e["description"].startswith(words) for e in errors_of(r, "xml"))


@pytest.mark.parametrize("status", ["CANCELLED", "cancelled", "PLANNED"])
def test_fixmystreet_extended_statuses_are_taken(cast, status):
    number = post(cast).json()[0]["service_request_id"]
    r = cast["anonymous"].post(f"{BASE}/servicerequestupdates.json", {
        "api_key": "demo-open311-key", "service_request_id": number, "update_id": "fms-9",
        "status": status, "updated_datetime": "2026-07-01T10:00:00+08:00",
        "description": "市民已撤回 the citizen withdrew the report"})
    assert r.status_code == 200, r.content
    update = RequestUpdate.objects.get()
    assert update.status == status.upper() and update.case.state == "reported"


def test_attributes_the_service_does_not_define_are_ignored(cast):
    r = post(cast, **{"attribute[colour]": "red", "attribute[Q1:size]": "big",
                      "attribute[urgency]": "urgent"})
    assert r.status_code == 200, r.content
    assert ServiceRequest.objects.get().attributes == {"urgency": "urgent"}
    r = post(cast, **{"attribute[colour]": "red", "attribute[urgency]": "asap"})
    assert r.status_code == 400
    (error,) = errors_of(r)
    assert error["description"] == "attribute[urgency] must be one of normal, urgent, not 'asap'"

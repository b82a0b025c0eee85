"""The public portal: recently closed cases with before/after photos, status lookup by number,
no personal data anywhere, rate limits and the request log."""

from __future__ import annotations

import json
import logging
import uuid

from server.cases.models import Case
from tests.server.conftest import cell_centre
from tests.server.hotline.helpers import act, close_public


def hotline_case(cast, **over) -> str:
    lon, lat = cell_centre(1)
    body = {"idempotency_key": str(uuid.uuid4()), "line": "12345", "caller_name": "张三丰",
            "caller_phone": "13512345678", "kind": "event", "class_code": "0101",
            "description": "张三丰 报告 电话13512345678 邮箱 zsf@example.org 门口搭棚",
            "lat": lat, "lon": lon}
    body.update(over)
    r = cast["calltaker"].post("/api/hotline/calls/", body, format="json")
    assert r.status_code == 201, r.content
    return r.json()["number"]


PERSONAL = ("张三丰", "13512345678", "zsf@example.org", "calltaker", "supervisor", "dept_roads",
            "acceptor", "dutychief")


def test_recently_closed_cases_with_photos_and_nothing_personal(cast):
    closed, still_open = hotline_case(cast), hotline_case(cast, class_code="0102")
    close_public(cast, closed)
    r = cast["anonymous"].get("/api/portal/closed/", {"days": 7})
    assert r.status_code == 200
    body = r.json()
    assert [c["number"] for c in body["cases"]] == [closed]
    card = body["cases"][0]
    assert card["street"] == "东华门街道" and card["state_zh"] == "已结案"
    assert card["class_name"].startswith("私搭乱建")
    before, after = card["photos"]["before"], card["photos"]["after"]
    assert before is None  # a phone call has no photo; the department's after photo is there
    assert after and cast["anonymous"].get(after)["Content-Type"] == "image/jpeg"
    text = json.dumps(body, ensure_ascii=False)
    assert not any(p in text for p in PERSONAL), text
    assert still_open not in text


def test_before_and_after_photos_of_a_closed_handset_case(cast, report):
    number = report()
    for who, action, data in [("acceptor", "accept", {}), ("dutychief", "file", {})]:
        act(cast[who], number, action, **data)
    from tests.server.hotline.helpers import PUBLIC_LOOP
    for who, action, data in PUBLIC_LOOP[4:]:
        act(cast[who], number, action, **dict(data))
    (card,) = cast["anonymous"].get("/api/portal/closed/").json()["cases"]
    assert card["photos"]["before"] and card["photos"]["after"]
    assert cast["anonymous"].get(card["photos"]["before"]).status_code == 200


def test_status_lookup_by_number_is_public_and_redacted(cast):
    number = hotline_case(cast)
    act(cast["acceptor"], number, "accept")
    r = cast["anonymous"].get(f"/api/portal/cases/{number.lower()}/")
    assert r.status_code == 200
    body = r.json()
    assert body["state"] == "accepted" and body["status"] == "open"
    assert [s["action"] for s in body["steps"]] == ["report", "accept"]
    assert body["description"].endswith("门口搭棚") and "***" in body["description"]
    assert body["photos"] == {"before": None, "after": None}
    text = json.dumps(body, ensure_ascii=False)
    assert not any(p in text for p in PERSONAL), text
    assert cast["anonymous"].get("/api/portal/cases/E0101209901019999/").status_code == 404


def test_photos_of_open_cases_and_check_photos_stay_private(cast, report):
    number = report()
    photo_id = Case.objects.get(number=number).photos.get().pk
    assert cast["anonymous"].get(f"/api/portal/photos/{photo_id}/").status_code == 404
    assert cast["anonymous"].get("/api/portal/photos/999999/").status_code == 404


def test_bad_days_and_rate_limit(cast, settings):
    assert cast["anonymous"].get("/api/portal/closed/", {"days": 400}).status_code == 400
    assert cast["anonymous"].get("/api/portal/closed/", {"days": "x"}).status_code == 400
    settings.EXTERNAL_RATES = {"portal": "2/min"}
    from django.core.cache import cache

    cache.clear()
    codes = [cast["anonymous"].get("/api/portal/closed/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_portal_page_without_login_and_logged(cast, client, caplog):
    with caplog.at_level(logging.INFO, logger="dcm.external"):
        r = client.get("/portal/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "案件查询" in html and "Look up a case" in html and "portal/portal.js" in html
    assert any("external GET /portal/ 200" in rec.getMessage() for rec in caplog.records)

"""The case search every console uses (``GET /api/cases/``) and the case's story
(``GET /api/cases/<number>/``): filters, the overdue-first order, paging without a cap, every
parameter checked, and each step shown with its actor, note and photos."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from server.cases.models import Case
from tests.server.conftest import jpeg
from tests.server.test_loop import LOOP, act


def numbers(body):
    return [c["number"] for c in body["results"]]


def test_filters_by_state_text_department_place_channel_and_light(cast, report):
    a, b, c = report(description="路灯不亮 light out"), report(), report()
    for who, action, data, _ in LOOP[:3]:
        assert act(cast[who], b, action, **dict(data)).status_code == 200
    get = cast["acceptor"].get
    assert set(numbers(get("/api/cases/?state=dispatched").json())) == {b}
    assert set(numbers(get("/api/cases/?state=reported,dispatched").json())) == {a, b, c}
    assert numbers(get("/api/cases/?q=light out").json()) == [a]
    assert numbers(get(f"/api/cases/?q={b[-4:]}").json()) == [b]
    assert numbers(get("/api/cases/?department=roads").json()) == [b]
    assert set(numbers(get("/api/cases/?q=东华门").json())) == {a, b, c}  # the street's name
    body = get("/api/cases/?street=110101001&channel=handset&kind=component&class_code=0103").json()
    assert body["count"] == 3
    assert body["results"][0]["street_name"] == "东华门街道"
    assert body["results"][0]["community_name"] == "东华门第1社区"
    assert get("/api/cases/?channel=hotline").json()["count"] == 0
    Case.objects.filter(number=c).update(light="red", deadline=timezone.now() - timedelta(hours=1))
    assert numbers(get("/api/cases/?light=red").json()) == [c]
    assert numbers(get("/api/cases/?overdue=true").json()) == [c]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert get(f"/api/cases/?since={tomorrow}").json()["count"] == 0
    assert get(f"/api/cases/?until={tomorrow}").json()["count"] == 3


def test_overdue_first_then_soonest_due_and_paging_past_any_cap(cast, report):
    made = [report() for _ in range(5)]
    now = timezone.now()
    Case.objects.filter(number=made[0]).update(deadline=now + timedelta(hours=5))
    Case.objects.filter(number=made[1]).update(deadline=now - timedelta(hours=1))
    Case.objects.filter(number=made[2]).update(deadline=now + timedelta(hours=1))
    Case.objects.filter(number=made[3]).update(deadline=now - timedelta(hours=3))
    Case.objects.filter(number=made[4]).update(state="closed", deadline=None)  # as closing does
    body = cast["dispatcher"].get("/api/cases/").json()
    assert numbers(body)[:4] == [made[3], made[1], made[2], made[0]]
    assert numbers(body)[4] == made[4]  # cases without a running limit last
    assert body["now"] and body["count"] == 5
    pages = [cast["dispatcher"].get(f"/api/cases/?limit=2&offset={o}").json() for o in (0, 2, 4)]
    assert sum((numbers(p) for p in pages), []) == numbers(body)
    assert cast["dispatcher"].get("/api/cases/?sort=newest").json()["results"][0]["number"] \
        == made[4]


def test_a_department_searches_only_its_own_cases(cast, report):
    mine, other = report(), report()
    for who, action, data, _ in LOOP[:3]:
        assert act(cast[who], mine, action, **dict(data)).status_code == 200
    assert numbers(cast["dept_roads"].get("/api/cases/").json()) == [mine]
    assert cast["dept_roads"].get(f"/api/cases/?q={other}").json()["count"] == 0
    assert cast["dept_water"].get("/api/cases/?department=roads").json()["count"] == 0


def test_every_parameter_is_checked(cast, report):
    report()
    bad = {"state": "nope", "light": "blue", "channel": "fax", "limit": "0", "offset": "-1",
           "since": "yesterday", "sort": "random", "street": "abc", "kind": "x",
           "limit=": "nan", "overdue": "maybe"}
    for name, value in bad.items():
        name = name.rstrip("=")
        r = cast["acceptor"].get("/api/cases/", {name: value})
        assert r.status_code == 400, (name, value, r.content)
        assert r.json()["error"]["field"].split(".")[0] == name, r.json()
    for value in ("1e9", "inf", str(2**63)):
        assert cast["acceptor"].get("/api/cases/", {"limit": value}).status_code == 400
    # a limit over 500 is cut to 500 (as older clients were answered), not refused
    assert cast["acceptor"].get("/api/cases/", {"limit": "501"}).json()["limit"] == 500
    r = cast["acceptor"].get("/api/cases/", {"since": "2026-12-02", "until": "2026-12-01"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "since"


def test_the_story_shows_each_steps_actor_note_and_photos(cast, report):
    number = report()
    steps = list(LOOP)
    steps[2] = ("dispatcher", "dispatch", {"department_code": "roads", "note": "今天内处理"},
                "dispatched")
    steps[6] = ("supervisor", "check", {"photo": jpeg((0, 0, 200)), "result": "fixed",
                                        "note": "已复查"}, "checked")
    for who, action, data, _ in steps:
        assert act(cast[who], number, action, **dict(data)).status_code == 200
    story = cast["leader"].get(f"/api/cases/{number}/").json()
    by_action = {e["action"]: e for e in story["events"]}
    assert by_action["dispatch"]["data"]["note"] == "今天内处理"
    assert by_action["dispatch"]["by"]["role_zh"] and by_action["dispatch"]["by"]["name"]
    assert by_action["feedback"]["data"]["note"] == "已修复"
    assert by_action["feedback"]["by"]["department"] == "市政管理委员会"
    assert [p["kind"] for p in by_action["feedback"]["photos"]] == ["after"]
    assert [p["kind"] for p in by_action["check"]["photos"]] == ["check"]
    assert [p["kind"] for p in by_action["report"]["photos"]] == ["before"]
    assert by_action["check"]["data"]["note"] == "已复查"
    assert story["street_name"] == "东华门街道" and story["reporter"]


def test_the_published_table_gives_the_buttons_the_api_gives(cast, report):
    """A console renders a pushed case with the buttons of /api/workflow/'s table: they must be
    the ones the API lists for the same user and state."""
    allowed = cast["anonymous"].get("/api/workflow/").json()["allowed"]
    number = report()
    for who, action, data, _ in LOOP:
        for role in ("acceptor", "dutychief", "dispatcher", "dept_roads", "leader"):
            r = cast[role].get(f"/api/cases/{number}/")
            if r.status_code == 404:  # a department before the case is sent to it
                continue
            c = r.json()
            assert c["actions"] == allowed[cast[role].user.role][c["state"]], (role, c["state"])
        assert act(cast[who], number, action, **dict(data)).status_code == 200


def test_an_action_takes_a_plain_form_body(cast, report):
    number = report()
    r = cast["acceptor"].post(f"/api/cases/{number}/actions/reject/",
                              "reason=%E9%87%8D%E5%A4%8D",
                              content_type="application/x-www-form-urlencoded")
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "rejected"

"""The closed loop over the API: every step by its role, refusals that say why, the event log."""

from __future__ import annotations

import io

import pytest

from server.cases.models import Case, CaseEvent
from tests.server.conftest import jpeg


def act(client, number, action, **data):
    photo = data.pop("photo", None)
    if photo is not None:
        data["photo"] = io.BytesIO(photo)
        data["photo"].name = "after.jpg"
        return client.post(f"/api/cases/{number}/actions/{action}/", data, format="multipart")
    return client.post(f"/api/cases/{number}/actions/{action}/", data, format="json")


LOOP = [
    ("acceptor", "accept", {}, "accepted"),
    ("dutychief", "file", {}, "filed"),
    ("dispatcher", "dispatch", {"department_code": "roads"}, "dispatched"),
    ("dept_roads", "dept_accept", {}, "handling"),
    ("dept_roads", "feedback", {"photo": jpeg((0, 200, 0)), "note": "已修复"}, "handled"),
    ("acceptor", "request_check", {}, "checking"),
    ("supervisor", "check", {"photo": jpeg((0, 0, 200)), "result": "fixed"}, "checked"),
    ("dutychief", "close", {}, "closed"),
]


def test_one_report_travels_the_whole_loop(cast, report):
    number = report()
    for who, action, data, state in LOOP:
        r = act(cast[who], number, action, **dict(data))
        assert r.status_code == 200, (action, r.content)
        assert r.json()["state"] == state
    case = Case.objects.get(number=number)
    assert case.state == "closed" and case.department.code == "roads"
    events = list(case.events.values_list("action", "from_state", "to_state", "actor__username"))
    assert events[0] == ("report", "", "reported", "supervisor")
    assert [e[0] for e in events[1:]] == [a for _, a, _, _ in LOOP]
    assert all(events[i][2] == events[i + 1][1] for i in range(len(events) - 1))
    assert sorted(case.photos.values_list("stage", flat=True)) == ["after", "before", "check"]
    detail = cast["leader"].get(f"/api/cases/{number}/").json()
    assert len(detail["events"]) == 9 and len(detail["photos"]) == 3
    assert sorted(p["kind"] for p in detail["photos"]) == ["after", "before", "check"]  # wire
    photo = cast["leader"].get(detail["photos"][1]["url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"


def test_failed_check_goes_back_to_the_department(cast, report):
    number = report()
    for who, action, data, _ in LOOP[:6]:
        assert act(cast[who], number, action, **dict(data)).status_code == 200
    r = act(cast["supervisor"], number, "check", photo=jpeg(), result="not_fixed")
    assert r.json()["state"] == "dispatched" and r.json()["rework_count"] == 1
    assert act(cast["dept_roads"], number, "dept_accept").json()["state"] == "handling"


@pytest.mark.parametrize("steps, who, action, data, status, code", [
    (0, "dispatcher", "accept", {}, 403, "role_not_allowed"),
    (0, "dutychief", "file", {}, 409, "wrong_state"),
    (0, "acceptor", "reject", {}, 400, "invalid"),
    (2, "dispatcher", "dispatch", {"department_code": "nope"}, 400, "invalid"),
    (2, "dispatcher", "dispatch", {}, 400, "invalid"),
    (4, "dept_roads", "feedback", {}, 400, "invalid"),
    (4, "dept_roads", "feedback", {"photo": b"GIF89a not really"}, 400, "invalid_photo"),
    (4, "dept_water", "feedback", {"photo": jpeg()}, 404, "not_found"),
    (6, "supervisor", "check", {"photo": jpeg(), "result": "perhaps"}, 400, "invalid"),
    (7, "acceptor", "close", {}, 403, "role_not_allowed"),
    (8, "acceptor", "accept", {}, 409, "wrong_state"),
    (0, "acceptor", "fly", {}, 404, "unknown_action"),
    (0, "anonymous", "accept", {}, 401, "not_authenticated"),
])
def test_refused_steps_say_why_and_change_nothing(cast, report, steps, who, action, data,
                                                  status, code):
    number = report()
    for w, a, d, _ in LOOP[:steps]:
        assert act(cast[w], number, a, **dict(d)).status_code == 200
    before = (Case.objects.get(number=number).state, CaseEvent.objects.count())
    r = act(cast[who], number, action, **dict(data))
    assert r.status_code == status, r.content
    err = r.json()["error"]
    assert err["code"] == code and err["message"]
    if status == 409:
        assert err["state"] == before[0]
    assert (Case.objects.get(number=number).state, CaseEvent.objects.count()) == before


def test_unknown_case_is_404(cast):
    r = act(cast["acceptor"], "C0101202611229999", "accept")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_departments_see_only_their_cases(cast, report):
    number = report()
    for who, action, data, _ in LOOP[:3]:
        assert act(cast[who], number, action, **dict(data)).status_code == 200
    listed = cast["dept_roads"].get("/api/cases/").json()["results"]
    assert [c["number"] for c in listed] == [number]
    assert cast["dept_water"].get("/api/cases/").json()["results"] == []
    assert cast["dept_water"].get(f"/api/cases/{number}/").status_code == 404
    roads = cast["dept_roads"].get("/api/cases/").json()["results"][0]
    assert roads["actions"] == ["dept_accept", "request_return", "acknowledge", "comment"]  # notes


def test_case_list_filters_by_state(cast, report):
    number = report()
    listed = cast["acceptor"].get("/api/cases/", {"state": "reported"}).json()["results"]
    assert [c["number"] for c in listed] == [number]
    assert cast["acceptor"].get("/api/cases/", {"state": "closed"}).json()["results"] == []
    r = cast["acceptor"].get("/api/cases/", {"state": "lost"})
    assert r.status_code == 400 and "unknown state 'lost'" in r.json()["error"]["message"]


def test_case_event_log_refuses_changes(cast, report):
    from django.db import DatabaseError, connection, transaction

    report()
    event = CaseEvent.objects.get()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    for sql in ("UPDATE cases_caseevent SET action = 'x'", "DELETE FROM cases_caseevent"):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute(sql)
    assert CaseEvent.objects.get().action == "report"

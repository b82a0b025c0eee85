"""The side flows over the API: verification, filing conditions, postponement, return,
suspension, merge, callback, stale versions, dispatch suggestion."""

from __future__ import annotations

import pytest

from server.accounts.models import Department
from server.cases.models import Case, CaseEvent
from tests.server.conftest import cell_centre, jpeg, report_form
from tests.server.test_loop import LOOP, act


def _hotline_report(cast, **over):
    form = report_form(**over)
    form.pop("photo")
    r = cast["calltaker"].post("/api/reports/", form, format="multipart")
    assert r.status_code == 201, r.content
    return r.json()["number"]


def _to(cast, number, upto):
    for who, action, data, _ in LOOP[:upto]:
        r = act(cast[who], number, action, **dict(data))
        assert r.status_code == 200, (action, r.content)
    return r.json()


def test_hotline_report_is_verified_before_filing(cast):
    number = _hotline_report(cast, kind="event", class_code="0102")
    assert Case.objects.get(number=number).channel == "hotline"
    assert act(cast["acceptor"], number, "accept").status_code == 200
    r = act(cast["dutychief"], number, "file")
    assert r.status_code == 400 and "verified on site" in r.json()["error"]["message"]
    r = act(cast["acceptor"], number, "send_verify")
    assert r.status_code == 200 and r.json()["state"] == "verifying"
    assert r.json()["assignee_id"] == cast["supervisor"].user.pk  # the only supervisor
    # the task shows in the supervisor's list although someone else reported the case
    assert number in [c["number"] for c in cast["supervisor"].get("/api/cases/").json()["results"]]
    r = act(cast["supervisor"], number, "verify", result="confirmed", photo=jpeg())
    assert r.json()["state"] == "accepted" and r.json()["verified"] is True
    r = act(cast["dutychief"], number, "file", condition_code="E0102-02")
    body = r.json()
    assert body["condition_code"] == "E0102-02"
    case = Case.objects.get(number=number)
    assert (case.handle_limit_value, case.handle_limit_unit) == (1.0, "work_days")


def test_filing_condition_must_belong_to_the_class(cast, report):
    number = report()
    act(cast["acceptor"], number, "accept")
    r = act(cast["dutychief"], number, "file", condition_code="E0102-01")
    assert r.status_code == 400 and "does not belong" in r.json()["error"]["message"]
    r = act(cast["dutychief"], number, "file")  # the class's default condition
    assert r.status_code == 200 and r.json()["condition_code"] == "C0103-01"
    assert Case.objects.get(number=number).handle_limit_unit == "work_hours"
    # the story names the condition (the shipped table's names, in both languages)
    story = cast["dutychief"].get(f"/api/cases/{number}/").json()
    named = {"code": "C0103-01", "zh": "雨水井盖破损", "en": "Storm-water manhole cover damaged"}
    assert story["condition"] == named
    assert next(e for e in story["events"] if e["action"] == "file")["condition"] == named


def test_postponement_extends_and_keeps_the_original(cast, report):
    number = report()
    _to(cast, number, 4)
    original = Case.objects.get(number=number).handle_deadline
    r = act(cast["dept_roads"], number, "request_postpone", reason="材料未到",
            extension_value=1, extension_unit="work_days")
    assert r.status_code == 200 and r.json()["state"] == "postpone_requested"
    r = act(cast["dispatcher"], number, "approve_postpone")
    case = Case.objects.get(number=number)
    assert case.state == "handling" and case.postpone_count == 1
    assert case.original_handle_deadline == original and case.handle_deadline > original


def test_return_redispatch_records_the_suggestion(cast, report):
    number = report()  # a storm-water cover owned by "water" in the toy city
    body = _to(cast, number, 3)
    assert body["department_code"] == "roads"
    dispatch = CaseEvent.objects.get(case__number=number, action="dispatch")
    assert dispatch.data["suggested_department"] == "water"
    assert dispatch.data["suggestion_rule"] == "owner"
    act(cast["dept_roads"], number, "request_return", reason="不属于我部门")
    r = act(cast["dispatcher"], number, "approve_return")
    assert r.json()["state"] == "filed" and r.json()["return_count"] == 1
    assert r.json()["department_code"] is None
    detail = cast["dispatcher"].get(f"/api/cases/{number}/").json()
    assert detail["suggested_department"]["code"] == "water"
    r = act(cast["dispatcher"], number, "dispatch", department_code="water")
    assert r.json()["department_code"] == "water"
    # the department that gave it back no longer sees it
    assert cast["dept_roads"].get(f"/api/cases/{number}/").status_code == 404


def test_component_suggestion_without_a_component_is_the_class_owner(cast, report):
    """A storm-water cover reported in the south-east cell, 140 m from the only one the map
    has: no component is found, so the owner of the class (the map's covers belong to
    "water") comes before the street office."""
    Department.objects.create(code="ST110101001", name="东华门街道办事处",
                              responsibility="territory", street_code="110101001")
    lon, lat = cell_centre(4)
    number = report(lat=f"{lat:.7f}", lon=f"{lon:.7f}")
    detail = cast["dispatcher"].get(f"/api/cases/{number}/").json()
    assert detail["suggested_department"] == {"code": "water", "name": "排水集团",
                                              "rule": "class"}
    # a class the map has no component of: the street office (属地)
    number = report(lat=f"{lat:.7f}", lon=f"{lon:.7f}", class_code="0101")
    detail = cast["dispatcher"].get(f"/api/cases/{number}/").json()
    assert detail["suggested_department"]["rule"] == "territory"
    # an owner the live departments no longer list is not suggested
    Department.objects.filter(code="water").update(active=False)
    number = report(lat=f"{lat:.7f}", lon=f"{lon:.7f}")
    detail = cast["dispatcher"].get(f"/api/cases/{number}/").json()
    assert detail["suggested_department"]["code"] == "ST110101001"


def test_event_suggestion_is_the_territory(cast):
    Department.objects.create(code="ST110101001", name="东华门街道办事处",
                              responsibility="territory", street_code="110101001")
    number = _hotline_report(cast, kind="event", class_code="0501")
    detail = cast["dispatcher"].get(f"/api/cases/{number}/").json()
    assert detail["suggested_department"] == {"code": "ST110101001", "name": "东华门街道办事处",
                                              "rule": "territory"}


def test_suspension_and_resume(cast, report):
    number = report()
    _to(cast, number, 4)
    act(cast["dept_roads"], number, "request_suspend", reason="需市级协调")
    r = act(cast["dispatcher"], number, "approve_suspend")
    assert r.json()["state"] == "suspended" and r.json()["deadline"] is None
    r = act(cast["dispatcher"], number, "resume")
    assert r.json()["state"] == "handling" and r.json()["suspend_count"] == 1


def test_merge_keeps_the_duplicate_with_its_reporter_and_photo(cast, report):
    first, second = report(), report()
    dup = cast["acceptor"].get(f"/api/cases/{second}/duplicates/").json()["duplicates"]
    assert [d["number"] for d in dup] == [first] and dup[0]["why"] == "same_class_nearby"
    r = act(cast["acceptor"], second, "merge", into=first)
    assert r.json()["state"] == "merged" and r.json()["merged_into"] == first
    merged = Case.objects.get(number=second)
    assert merged.reporter.username == "supervisor" and merged.photos.count() == 1
    assert act(cast["acceptor"], first, "merge", into=first).status_code == 400
    r = act(cast["acceptor"], first, "merge", into=second)  # a merged case is not open
    assert r.status_code == 400 and "open case" in r.json()["error"]["message"]


def test_unhappy_callback_reopens(cast):
    number = _hotline_report(cast)
    act(cast["acceptor"], number, "accept")
    act(cast["acceptor"], number, "send_verify")
    act(cast["supervisor"], number, "verify", result="confirmed", photo=jpeg())
    for who, action, data, _ in LOOP[1:]:
        assert act(cast[who], number, action, **dict(data)).status_code == 200
    r = act(cast["calltaker"], number, "callback", satisfaction=2)
    assert r.json()["state"] == "dispatched" and r.json()["reopen_count"] == 1
    assert r.json()["satisfaction"] == 2


def test_stale_version_is_refused_with_the_current_state(cast, report):
    number = report()
    seen = cast["acceptor"].get(f"/api/cases/{number}/").json()["version"]
    assert act(cast["acceptor"], number, "accept", version=seen).status_code == 200
    r = act(cast["acceptor"], number, "reject", reason="x", version=seen)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "stale" and r.json()["error"]["state"] == "accepted"


@pytest.mark.parametrize("action, data, words", [
    ("request_postpone", {"reason": "x", "extension_value": 1, "extension_unit": "weeks"},
     "extension_unit"),
    ("request_postpone", {"reason": "x"}, "extension_value"),
    ("request_suspend", {}, "'reason'"),
])
def test_side_flow_refusals(cast, report, action, data, words):
    number = report()
    _to(cast, number, 4)
    r = act(cast["dept_roads"], number, action, **data)
    assert r.status_code == 400 and words in r.json()["error"]["message"]
    assert Case.objects.get(number=number).state == "handling"


def test_task_pushes_go_to_the_assigned_supervisor_only(cast):
    """The verify task's supervisor hears of it, and hears when it ends; no other supervisor
    (nor the role as a whole) does."""
    from server.realtime.groups import user_group
    from server.realtime.send import groups_for

    number = _hotline_report(cast)
    act(cast["acceptor"], number, "accept")
    act(cast["acceptor"], number, "send_verify")
    case = Case.objects.get(number=number)
    sup = cast["supervisor"].user.pk
    assert user_group(sup) in groups_for(case)
    assert not any(g.startswith("role.") for g in groups_for(case))
    act(cast["supervisor"], number, "verify", result="confirmed", photo=jpeg())
    case = Case.objects.get(number=number)
    assert case.assignee_id is None
    assert user_group(sup) not in groups_for(case)
    assert user_group(sup) in groups_for(case, previous_assignee_id=sup)

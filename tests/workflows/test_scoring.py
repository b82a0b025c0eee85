"""Scoring by hand: seven cases in November 2026 (30 days, so count bands need no scaling).

Cast: supervisors 1 and 11 (duty grids: 1 → X1, X2; 11 → X3, X4), acceptor 2, duty chief 3,
dispatcher 4, roads (5), water (6), call-taker 8, system 9. Cells X1, X2 in community M1;
X3, X4 in M2; all in street 110101001, district 110101. X4 is quiet. Deadlines are given in
each event's changes (the fold reads the deadline in force before an event to judge it).

Case A (S1, X1): the clean loop, everything on time, closed normal.
Case B (hotline, X2): verified late by S11; filed late; dispatched to roads (suggestion not
  followed), returned (counts against dispatcher 4 and as roads' return); re-dispatched to
  water; postponed; fed back on time by the extended deadline; check late and not fixed (rework);
  red timer in handling (overdue); late feedback (no second overdue); closed late (overdue);
  callback 2 reopens it on 11-11; fed back 12-01 (December, outside the period).
Case C (S1, X1): voided.   Case E (S1, X2): self-handled, audited.   Case F (hotline, X3): rejected.
Case D (S11, X3): reported and accepted 10-30 (October); filed late 11-02; roads; suspended,
  resumed, red timer, late feedback, closed (overdue).
Case G (S1, X1): reported 11-30 23:50 local (still November), accepted 12-01.

November by hand (docs/evaluation.md has the definitions; each case counts once):
  S1: reported 4 (A C E G), valid 2 (A filed; E self-handled, audit approved), check_tasks 1
      checked 1 on time 1, self_handled 1; grid X1+X2: verified public reports 1 (B) → missed 1.
      Rates: valid 2/4, missed 1/(2+1), verify — (100), check 1/1.
      Composite .4·50 + .2·66.67 + .2·100 + .2·100 = 73.33 → C.
  S11: reported 0 (D's report is October, and so is its validity), verify_tasks 1 (B) verified
      late, check_tasks 2 (B: two checks, one late → not on time; D on time) → on time 1.
      Composite .4·100 (—) + .2·100 (—) + .2·0 + .2·50 = 70 → C, unranked (volume 0 < 2).
  Acceptor 2: accepted 3 (A B C), rejected 1, verify_sent 1 on time, check_sent 3 (A, B once
      though sent twice, D) on time 3. Band 3 → 0. .25·0 + .4·100 + .35·100 = 75 → B.
  Duty chief 3: filed 3 (A on time; B, D late), misfiled 0 (C was voided before filing: a
      correct refusal), closings 2 (A, D; B's closing was undone by the reopening) in time 2.
      .25·33.33 + .4·100 + .35·100 = 83.33 → B.
  Dispatcher 4: dispatched 3 cases (A, B once though twice, D) all on time, followed 2 (A, D:
      B's first dispatch did not), misdispatched 1 (B returned by roads).
      Band 3 → 0. 0 + .4·100 + .4·66.67 = 66.67 → C.
  roads: B was returned, so it is not roads' at all. A and D: dispatched 2, due 2 (A at its
      handling 11-02 16:00; D at its deadline 11-06 08:00 after the suspension), handled 2, on
      time 1 (A), closed 2, closed with timely handling 1, overdue at 11-30 0, suspended 1.
      .1·100 + .3·(2/2) + .3·(1/2) + .3·(1 − 0/2) = 10 + 30 + 15 + 30 = 85 → B.
  water: B: dispatched 1, due 1 (its first handling 11-06 14:00, before the postponed deadline),
      handled 1 (the last cycle was handled, 12-01), on time 0 (the rework and the reopened
      cycles were late), closed 0 (the 11-10 closing was undone by the 11-11 reopening),
      overdue 1 (past 11-13 10:00 and not closed), reworked_open 1, postponed 1, reopened 1,
      unhandled 1. .1·100 + .3·(0/1) + .3·(0/1) + .3·(1 − 1/1) = 10 → E (unranked: 1 < 2).
  X1: reported 3 (A C G), filed 1, closed 1 on time 1. 10 + .2·90 + 30 + 40 = 98 → A.
  X2: reported 2 (B E), public 1 (B), filed 1, overdue 1 (B), reworked_open 1, self_handled 1.
      .1·50 + .2·90 + .3·0 + .4·0 = 23 → E.
  X3: reported 1 (F; D is October), public 1, filed 1 (D), closed 1 late. 0 + 18 + 30 + 0 = 48 → D.
  X4: nothing → no score (—), unranked.
  M1 = X1+X2: reported 5, public 1, filed 2 (per cell 1 → 90), closed 1, on time 1, overdue 1.
      .1·80 + 18 + .3·50 + .4·50 = 61 → C.   M2 = X3+X4: filed 1 (per cell .5 → 90): 48 → D.
  Street = district: reported 6, public 2, filed 3 (per cell .75 → 90), closed 2, on time 1,
      overdue 1. .1·66.67 + 18 + .3·66.67 + .4·33.33 = 58 → D.
December: water's B is still overdue (handled 12-01, not closed): overdue 1, reworked_open 1.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from workflows.scoring import (GROUP_COUNTERS, STOCKS, Period, count, evaluate, facts_behind,
                               fold, score)
from workflows.scoring_rules import DATA, parse

BJ = ZoneInfo("Asia/Shanghai")
X1, X2, X3, X4 = "110101001001001", "110101001001002", "110101001002001", "110101001002002"
M1, M2, STREET, DISTRICT = "110101001001", "110101001002", "110101001", "110101"
REGIONS = {c: (c[:12], c[:9], c[:6]) for c in (X1, X2, X3, X4)}
GRIDS = {"1": [X1, X2], "11": [X3, X4]}
ROLE = {1: "supervisor", 11: "supervisor", 2: "acceptor", 3: "duty_chief", 4: "dispatcher",
        5: "department", 6: "department", 8: "call_taker", 9: "system"}
NOV = Period.month(2026, 11)


def t(s: str) -> datetime:
    month, rest = s.split("-", 1)
    day, hm = rest.split(" ")
    h, m = hm.split(":")
    return datetime(2026, int(month), int(day), int(h), int(m), tzinfo=BJ)


def ev(case, when, action, actor, to, **kw):
    data = {k: kw.pop(k) for k in ("followed_suggestion", "cell_code") if k in kw}
    changes = {"state": to, **{k: (t(v).isoformat() if k.endswith("deadline") and v else v)
                               for k, v in kw.items()}}
    return {"case": case, "at": t(when), "action": action, "actor": actor, "role": ROLE[actor],
            "data": {**data, "changes": changes}}


def _case_a():
    return [ev("A", "11-02 09:00", "report", 1, "reported", deadline="11-02 10:00", cell_code=X1),
            ev("A", "11-02 09:20", "accept", 2, "accepted", deadline="11-02 10:20"),
            ev("A", "11-02 09:40", "file", 3, "filed", deadline="11-02 10:40"),
            ev("A", "11-02 10:00", "dispatch", 4, "dispatched", deadline="11-02 11:00",
               department_code="roads", handle_deadline="11-03 10:00", followed_suggestion=True),
            ev("A", "11-02 10:30", "dept_accept", 5, "handling", deadline="11-03 10:00"),
            ev("A", "11-02 16:00", "feedback", 5, "handled", deadline="11-02 17:00"),
            ev("A", "11-02 16:30", "request_check", 2, "checking", deadline="11-02 17:00",
               assignee_id=1),
            ev("A", "11-02 16:50", "check", 1, "checked", deadline="11-02 17:50"),
            ev("A", "11-02 17:10", "close", 3, "closed", deadline=None, closing_type="normal")]


def _case_b():
    return [
        ev("B", "11-03 09:00", "report", 8, "reported", deadline="11-03 10:00", channel="hotline",
           cell_code=X2),
        ev("B", "11-03 09:10", "accept", 2, "accepted", deadline="11-03 10:10"),
        ev("B", "11-03 09:30", "send_verify", 2, "verifying", deadline="11-03 10:00",
           assignee_id=11),
        ev("B", "11-03 10:30", "verify", 11, "accepted", deadline="11-03 11:30", verified=True),
        ev("B", "11-03 12:00", "file", 3, "filed", deadline="11-03 13:00"),
        ev("B", "11-03 12:30", "dispatch", 4, "dispatched", deadline="11-03 13:30",
           department_code="roads", handle_deadline="11-05 12:30", followed_suggestion=False),
        ev("B", "11-03 14:00", "request_return", 5, "return_requested", deadline="11-03 15:00"),
        ev("B", "11-03 14:30", "approve_return", 4, "filed", deadline="11-03 15:30",
           department_code=None, handle_deadline=None),
        ev("B", "11-03 15:00", "dispatch", 4, "dispatched", deadline="11-03 16:00",
           department_code="water", handle_deadline="11-05 15:00", followed_suggestion=True),
        ev("B", "11-03 15:20", "dept_accept", 6, "handling", deadline="11-05 15:00"),
        ev("B", "11-04 10:00", "request_postpone", 6, "postpone_requested",
           deadline="11-04 11:00"),
        ev("B", "11-04 10:30", "approve_postpone", 4, "handling", deadline="11-06 15:00",
           handle_deadline="11-06 15:00"),
        ev("B", "11-06 14:00", "feedback", 6, "handled", deadline="11-06 15:00"),
        ev("B", "11-06 14:20", "request_check", 2, "checking", deadline="11-06 14:50",
           assignee_id=11),
        ev("B", "11-06 15:10", "check", 11, "dispatched", deadline="11-06 16:10",
           handle_deadline="11-09 15:10"),
        ev("B", "11-06 15:30", "dept_accept", 6, "handling", deadline="11-09 15:10"),
        ev("B", "11-09 15:10", "timer", 9, "handling", light="red"),
        ev("B", "11-10 09:00", "feedback", 6, "handled", deadline="11-10 10:00"),
        ev("B", "11-10 09:30", "request_check", 2, "checking", deadline="11-10 10:00",
           assignee_id=11),
        ev("B", "11-10 09:45", "check", 11, "checked", deadline="11-10 10:45"),
        ev("B", "11-10 11:00", "close", 3, "closed", deadline=None, closing_type="overdue"),
        ev("B", "11-11 10:00", "callback", 8, "dispatched", deadline="11-11 11:00",
           handle_deadline="11-13 10:00", closing_type=""),
        ev("B", "11-11 10:30", "dept_accept", 6, "handling", deadline="11-13 10:00"),
        ev("B", "12-01 09:00", "feedback", 6, "handled", deadline="12-01 10:00")]


def _others():
    c = [ev("C", "11-04 09:00", "report", 1, "reported", deadline="11-04 10:00", cell_code=X1),
         ev("C", "11-04 09:05", "accept", 2, "accepted", deadline="11-04 10:05"),
         ev("C", "11-04 09:30", "void", 3, "voided", deadline=None)]
    d = [ev("D", "10-30 16:00", "report", 11, "reported", deadline="10-30 17:00", cell_code=X3),
         ev("D", "10-30 16:10", "accept", 2, "accepted", deadline="10-30 17:10"),
         ev("D", "11-02 08:30", "file", 3, "filed", deadline="11-02 09:30"),
         ev("D", "11-02 08:50", "dispatch", 4, "dispatched", deadline="11-02 09:50",
            department_code="roads", handle_deadline="11-04 08:50", followed_suggestion=True),
         ev("D", "11-02 09:00", "dept_accept", 5, "handling", deadline="11-04 08:50"),
         ev("D", "11-02 10:00", "request_suspend", 5, "suspend_requested", deadline="11-02 11:00"),
         ev("D", "11-02 10:20", "approve_suspend", 4, "suspended", deadline=None),
         ev("D", "11-05 09:00", "resume", 4, "handling", deadline="11-06 08:00",
            handle_deadline="11-06 08:00"),
         ev("D", "11-06 08:00", "timer", 9, "handling", light="red"),
         ev("D", "11-06 11:00", "feedback", 5, "handled", deadline="11-06 12:00"),
         ev("D", "11-06 11:30", "request_check", 2, "checking", deadline="11-06 12:00",
            assignee_id=11),
         ev("D", "11-06 11:40", "check", 11, "checked", deadline="11-06 12:40"),
         ev("D", "11-06 12:00", "close", 3, "closed", deadline=None, closing_type="overdue")]
    e = [ev("E", "11-05 10:00", "report", 1, "reported", deadline="11-05 11:00", cell_code=X2),
         ev("E", "11-05 10:05", "self_handle", 1, "self_handled", deadline="11-05 11:05"),
         ev("E", "11-05 10:30", "audit_self", 3, "closed", deadline=None, closing_type="normal")]
    f = [ev("F", "11-06 09:00", "report", 8, "reported", deadline="11-06 10:00",
            channel="hotline", cell_code=X3),
         ev("F", "11-06 09:10", "reject", 2, "rejected", deadline=None)]
    g = [ev("G", "11-30 23:50", "report", 1, "reported", deadline="12-01 09:00", cell_code=X1),
         ev("G", "12-01 08:10", "accept", 2, "accepted", deadline="12-01 09:10")]
    return c + d + e + f + g


def events():
    """Every case's log, a case after another (the fold reads a case's history at once)."""
    return _case_a() + _case_b() + _others()


def rules(**min_volumes):
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    for group in raw["groups"].values():
        for entity_type, spec in group["kinds"].items():
            spec["min_volume"] = min_volumes.get(entity_type, 1)
    return raw


def nov(raw=None):
    return score(events(), parse(raw or rules(supervisor=2, department=2), GROUP_COUNTERS),
                 NOV, regions=REGIONS, duty_grids=GRIDS)


def test_every_counter_by_hand():
    c = count(fold(events()), NOV)
    assert c[("supervisor", "1")] == {"reported": 4, "valid": 2, "check_tasks": 1, "checked": 1,
                                      "checked_on_time": 1, "self_handled": 1}
    assert c[("supervisor", "11")] == {"verify_tasks": 1, "verified": 1, "check_tasks": 2,
                                       "checked": 2, "checked_on_time": 1}
    assert c[("acceptor", "2")] == {"accepted": 3, "rejected": 1, "verify_sent": 1,
                                    "verify_sent_on_time": 1, "check_sent": 3,
                                    "check_sent_on_time": 3}
    assert c[("duty_chief", "3")] == {"filed": 3, "filed_on_time": 1, "voided": 1,
                                      "closings": 2, "closings_in_time": 2, "audited": 1}
    assert c[("dispatcher", "4")] == {"dispatched": 3, "dispatched_on_time": 3,
                                      "followed_suggestion": 2, "misdispatched": 1}
    assert c[("department", "roads")] == {"dispatched": 2, "due": 2, "handled": 2,
                                          "handled_on_time": 1, "suspended": 1, "closed": 2,
                                          "closed_on_time": 1}
    assert c[("department", "water")] == {"dispatched": 1, "due": 1, "handled": 1,
                                          "overdue": 1, "reworked_open": 1, "postponed": 1,
                                          "reopened": 1, "unhandled": 1}
    assert c[("cell", X1)] == {"reported": 3, "filed": 1, "closed": 1, "closed_on_time": 1}
    assert c[("cell", X2)] == {"reported": 2, "public_reported": 1, "public_verified": 1,
                               "filed": 1, "overdue": 1, "reworked_open": 1, "self_handled": 1}
    assert c[("cell", X3)] == {"reported": 1, "public_reported": 1, "filed": 1, "closed": 1}
    assert len(c) == 10  # nobody else, and X4 has no facts


def test_december_and_october_pick_up_what_november_left():
    dec = count(fold(events()), Period.month(2026, 12))
    assert dec[("department", "water")] == {"overdue": 1, "reworked_open": 1}  # unhandled 0
    assert dec[("acceptor", "2")] == {"accepted": 1}
    octo = count(fold(events()), Period.month(2026, 10))
    assert octo == {("supervisor", "11"): {"reported": 1, "valid": 1},
                    ("acceptor", "2"): {"accepted": 1}, ("cell", X3): {"reported": 1}}


EXPECTED = {  # entity_type, entity: (composite, grade, rank)
    ("supervisor", "1"): (73.33, "C", 1), ("supervisor", "11"): (70.0, "C", None),
    ("acceptor", "2"): (75.0, "B", 1), ("duty_chief", "3"): (83.33, "B", 1),
    ("dispatcher", "4"): (66.67, "C", 1), ("department", "roads"): (85.0, "B", 1),
    ("department", "water"): (10.0, "E", None), ("cell", X1): (98.0, "A", 1),
    ("cell", X3): (48.0, "D", 2), ("cell", X2): (23.0, "E", 3), ("cell", X4): (None, None, None),
    ("community", M1): (61.0, "C", 1), ("community", M2): (48.0, "D", 2),
    ("street", STREET): (58.0, "D", 1), ("district", DISTRICT): (58.0, "D", 1),
}


def test_every_score_grade_and_rank_by_hand():
    s = nov()
    got = {(k, r.entity): (r.composite, r.grade, r.rank) for k, rows in s.by_entity_type.items()
           for r in rows}
    assert got == EXPECTED
    assert [r.entity for r in s.by_entity_type["cell"]] == [X1, X3, X2, X4]  # no score last


def test_rates_by_hand():
    s = nov()
    assert s.row("supervisor", "1").rates == {"valid_report_rate": 0.5,
                                              "missed_report_rate": pytest.approx(1 / 3),
                                              "verify_on_time_rate": None,
                                              "check_on_time_rate": 1.0}
    assert s.row("supervisor", "1").counters["missed"] == 1
    assert s.row("supervisor", "11").rates["check_on_time_rate"] == 0.5
    dc = s.row("duty_chief", "3").rates
    assert dc["filing_accuracy_rate"] == 1.0 and dc["closing_in_time_rate"] == 1.0
    assert s.row("dispatcher", "4").rates == {"dispatch_on_time_rate": 1.0,
                                              "dispatch_accuracy_rate": pytest.approx(2 / 3),
                                              "suggestion_followed_rate": pytest.approx(2 / 3)}
    water = s.row("department", "water").rates
    assert (water["handling_rate"], water["closing_rate"], water["rework_rate"]) == (
        1.0, 0.0, 1.0)
    assert s.row("street", STREET).rates["public_report_share"] == pytest.approx(1 / 3)
    assert s.row("community", M2).parts["region_filed_per_cell:filed"] == 90


def test_days_and_weeks_show_counters_and_rates_but_no_grade():
    """Bands are per calendar month: a week of the same facts gets no composite, so it cannot
    swing a grade; and a 31-day month uses the bands as they are (no 30/31 scaling)."""
    r = parse(rules(), GROUP_COUNTERS)
    first = Period.week(t("11-02 12:00").date())
    week = evaluate(count(fold(events()), first), r, first, REGIONS, GRIDS)
    roads = week.row("department", "roads")
    assert (roads.composite, roads.grade, roads.rank) == (None, None, None)
    assert roads.rates["handling_rate"] == 1.0 and not week.graded
    assert nov().graded


def test_a_reopening_never_raises_a_score():
    """Without the unhappy callback on 11-11, water's B would have been closed in November."""
    cut = [e for e in events() if not (e["case"] == "B" and e["at"] >= t("11-11 00:00"))]
    r = parse(rules(supervisor=2, department=2), GROUP_COUNTERS)
    before = score(cut, r, NOV, regions=REGIONS, duty_grids=GRIDS)
    assert before.row("department", "water").counters["closed"] == 1
    after = nov()
    for kind, entity in (("department", "water"), ("cell", X2), ("street", STREET)):
        assert after.row(kind, entity).composite <= before.row(kind, entity).composite


def test_changing_a_weight_changes_the_score_not_the_code():
    raw = rules(supervisor=2, department=2)
    comp = raw["groups"]["supervisor"]["composite"]
    comp[0]["weight"], comp[1]["weight"] = 0.5, 0.1
    assert nov(raw).row("supervisor", "1").composite == 71.67  # 25 + 6.67 + 20 + 20


def test_a_band_table_is_data_too():
    raw = rules(supervisor=2, department=2)
    raw["department_groups"] = {"water": "centre_count"}  # water scored on another band
    s = nov(raw)
    assert s.row("department", "water").composite == 0.0  # band 0 instead of 100
    assert s.row("department", "roads").composite == 85.0


@pytest.mark.parametrize("path, value, message", [
    (("groups", "acceptor", "composite", 0, "weight"), 0.3, "weights sum"),
    (("groups", "acceptor", "rates", "check_dispatch_on_time_rate", "num"), ["nope"],
     "unknown counter"),
    (("bands", "centre_count", "rows"), [{"upto": 3, "score": 1}], "last row"),
    (("grades",), [["A", 40], ["B", 90]], "best down"),
])
def test_bad_rules_are_refused_with_a_reason(path, value, message):
    raw = copy.deepcopy(rules())
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValueError, match=message):
        parse(raw, GROUP_COUNTERS)


def test_rules_carry_their_version_and_a_content_hash():
    raw = rules()
    r = parse(raw, GROUP_COUNTERS)
    assert r.version == raw["version"] == "2026.2" and r.digest.startswith("sha256:")
    assert len(r.digest) == len("sha256:") + 16
    scores = evaluate(count(fold(events()), NOV), r, NOV, REGIONS, GRIDS)
    assert (scores.rules_version, scores.rules_digest) == (r.version, r.digest)
    # key order does not count; a changed figure does, even under the same version
    assert parse(dict(reversed(list(raw.items()))), GROUP_COUNTERS).digest == r.digest
    edited = copy.deepcopy(raw)
    edited["grades"][0][1] = 91
    assert parse(edited, GROUP_COUNTERS).digest != r.digest
    # a file without a version is named by its content
    del edited["version"]
    assert parse(edited, GROUP_COUNTERS).version == parse(edited, GROUP_COUNTERS).digest


@pytest.mark.parametrize("version", ["", 2026.1, "2026 1", "v" * 33, ["2026.1"]])
def test_a_malformed_rules_version_is_refused(version):
    raw = rules()
    raw["version"] = version
    with pytest.raises(ValueError, match="evaluation rules: version .* must be a string"):
        parse(raw, GROUP_COUNTERS)


def test_drill_down_names_the_cases_behind_a_counter():
    facts = list(fold(events()))

    def cases(*a):
        return sorted(f.case for f in facts_behind(facts, NOV, *a, regions=REGIONS,
                                                   duty_grids=GRIDS))

    assert cases("department", "water", "due") == ["B"]
    assert cases("department", "roads", "due") == ["A", "D"]  # B was returned: not roads'
    assert cases("community", M1, "filed") == ["A", "B"]
    assert cases("supervisor", "1", "missed") == ["B"]
    assert cases("department", "water", "unhandled") == ["B"]  # the stock at 11-30: once


def test_counters_add_up_over_days():
    facts = list(fold(events()))
    days = [Period.day(NOV.start.replace(day=d)) for d in range(1, 31)]
    total: dict = {}
    for day in days:
        for key, row in count(facts, day).items():
            row = {k: v for k, v in row.items() if k not in STOCKS}  # stocks do not add
            for k, v in row.items():
                total.setdefault(key, {})[k] = total.setdefault(key, {}).get(k, 0) + v
    month = {k: {c: n for c, n in row.items() if c not in STOCKS}
             for k, row in count(facts, NOV).items()}
    assert total == {k: row for k, row in month.items() if row}


def test_evaluate_from_counters_equals_score_from_events():
    r = parse(rules(), GROUP_COUNTERS)
    assert evaluate(count(fold(events()), NOV), r, NOV, REGIONS, GRIDS) == score(
        events(), r, NOV, regions=REGIONS, duty_grids=GRIDS)


@pytest.mark.parametrize("note", ["photo_cleaned", "urge", "acknowledge", "comment"])
def test_the_photo_cleaners_note_and_urges_and_comments_count_for_nothing_in_any_state(note):
    """SILENT_ACTIONS: the rollups rely on it to skip reading a case's log back."""
    from workflows.scoring import SILENT_ACTIONS

    assert SILENT_ACTIONS == {"photo_cleaned", "urge", "acknowledge", "comment"}
    log = events()
    noted = []
    for e in log:  # a note after every step of every case, in the state it left
        noted.append(e)
        noted.append({**e, "action": note, "actor": 1,
                      "data": {"note": "快办",
                               "changes": {"state": e["data"]["changes"]["state"]}}})
    assert count(fold(noted), NOV) == count(fold(log), NOV)


def test_camera_alerts_are_not_public_reports_and_only_a_filing_found_invalid_costs():
    """A camera alert (channel video) is no public report; a report voided before filing costs
    no one, a filed case later voided (a path a city may add) is a misfiling, dated at its
    filing so it stays inside the filed count it is taken from."""
    cam = [ev("V", "11-02 09:00", "report", 9, "reported", channel="video", cell_code=X1),
           ev("V", "11-02 09:10", "accept", 2, "accepted")]
    wrong = [ev("W", "11-03 09:00", "report", 1, "reported", cell_code=X1),
             ev("W", "11-03 09:10", "accept", 2, "accepted"),
             ev("W", "11-03 09:20", "file", 3, "filed", deadline="11-03 10:20"),
             ev("W", "12-02 09:00", "void", 3, "voided")]
    c = count(fold(cam + wrong), NOV)
    assert c[("cell", X1)] == {"reported": 2, "filed": 1}
    assert c[("duty_chief", "3")] == {"filed": 1, "filed_on_time": 1, "misfiled": 1}
    assert count(fold(wrong), Period.month(2026, 12)) == {("duty_chief", "3"): {"voided": 1}}
    chief = evaluate(c, parse(rules(), GROUP_COUNTERS), NOV).row("duty_chief", "3")
    assert chief.rates["filing_accuracy_rate"] == 0.0

"""Every refusal of a case step reaches the client in the request's language, its code unchanged:
Chinese by default (or when asked), English when asked (Accept-Language or the language cookie).
A Chinese answer holds no English word (only codes the user gave: a case number, a department
code ...), an English one no Chinese character.

Three tables: every refusal template the rules and the case writer have is in the Chinese
catalog; every guard and engine refusal, decided on snapshots and worded in both languages;
and the refusals a person can meet in a case step, taken through the API on one module-wide
world of cases (each test's writes roll back)."""

from __future__ import annotations

import ast
import io
import re
from datetime import datetime, timedelta, timezone as tz
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient

from server.reasons import worded
from tests.server.conftest import jpeg, module_transaction, report_form
from tests.server.hotline.helpers import close_public, forget_places, places_cast
from tests.server.hotline.test_hotline_api import call
from tests.server.test_loop import LOOP
from workflows import Action, Actor, CaseSnapshot, Refused, Role, State, decide
from workflows.guards import NOTE_MAX
from workflows.reasons import Reason

ROOT = Path(__file__).resolve().parents[2]
HAN = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\(\w+\)s")
#: Image formats are named as they are in Chinese too.
FORMATS = {"JPEG", "PNG", "WebP"}


def templates() -> set[str]:
    """Every refusal template written in the rules, the case writer and the photo checks: each
    ``Reason("...")`` and each ``requires(name, what)`` guard's."""
    found = set()
    for path in [*sorted((ROOT / "workflows").glob("*.py")), ROOT / "server/cases/actions.py",
                 ROOT / "server/cases/photos.py", ROOT / "server/idempotency.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args
                    and isinstance(node.args[0], ast.Constant)):
                continue
            if node.func.id == "Reason":
                found.add(node.args[0].value)
            elif node.func.id == "requires":
                what = node.args[1].value if len(node.args) > 1 else ""
                found.add("%(field)s is required" + (f": {what}" if what else ""))
    return found


def test_every_refusal_template_has_its_chinese():
    found = templates()
    assert len(found) >= 45, sorted(found)  # the scan sees them (a broken scan finds none)
    with translation.override("zh-hans"):
        for template in sorted(found):
            chinese = translation.gettext(template)
            assert chinese != template and HAN.search(chinese), template
            words = set(re.findall("[A-Za-z]+", PLACEHOLDER.sub("", chinese))) - FORMATS
            assert not words, (template, chinese)
            # the Chinese may leave out a detail that only comes in English (Pillow's)
            assert set(PLACEHOLDER.findall(chinese)) <= set(PLACEHOLDER.findall(template))


def _check(zh: str, en: str, given=()) -> None:
    """``zh`` has Chinese and no ASCII word but the ``given`` codes; ``en`` no Chinese."""
    rest = zh
    for code in sorted(given, key=len, reverse=True):
        rest = rest.replace(code, "")
    assert HAN.search(zh) and not re.search("[A-Za-z]", rest), zh
    assert en and not HAN.search(en), en


NOW = datetime(2026, 12, 7, 10, 0, tzinfo=tz.utc)
SUPERVISOR, OTHER_SUPERVISOR = Actor(1, Role.SUPERVISOR), Actor(2, Role.SUPERVISOR)
ACCEPTOR, CHIEF = Actor(3, Role.ACCEPTOR), Actor(4, Role.DUTY_CHIEF)
DISPATCHER, CALLER = Actor(5, Role.DISPATCHER), Actor(6, Role.CALL_TAKER)
ROADS, WATER = Actor(7, Role.DEPARTMENT, "roads"), Actor(8, Role.DEPARTMENT, "water")
SYSTEM = Actor(9, Role.SYSTEM)
HANDLING = CaseSnapshot(State.HANDLING, department_code="roads", reporter_id=1,
                        handle_deadline=NOW + timedelta(days=1), node="handle", light="green")


@pytest.mark.parametrize("case, action, actor, params, given", [
    (HANDLING, Action.URGE, ROADS, {"note": "x"}, ()),  # role
    (CaseSnapshot(State.REPORTED), Action.REPORT, SUPERVISOR, {}, ()),
    (None, Action.ACCEPT, ACCEPTOR, {}, ()),
    (CaseSnapshot(State.CLOSED), Action.DISPATCH, DISPATCHER, {}, ()),  # wrong state
    (CaseSnapshot(State.CHECKING, assignee_id=1), Action.CHECK, SUPERVISOR,
     {"result": "maybe", "photo_count": 1}, ()),
    (CaseSnapshot(State.REPORTED), Action.REJECT, ACCEPTOR, {}, ()),
    (CaseSnapshot(State.FILED), Action.DISPATCH, DISPATCHER, {}, ()),
    (CaseSnapshot(State.ACCEPTED), Action.SEND_VERIFY, ACCEPTOR, {}, ()),
    (CaseSnapshot(State.ACCEPTED), Action.MERGE, ACCEPTOR, {}, ()),
    (HANDLING, Action.URGE, CHIEF, {}, ()),
    (HANDLING, Action.URGE, CHIEF, {"note": "急" * (NOTE_MAX + 1)}, ()),
    (HANDLING, Action.URGE, CHIEF, {"note": "急", "level": "extreme"}, ()),
    (HANDLING, Action.FEEDBACK, ROADS, {}, ()),
    (HANDLING, Action.FEEDBACK, WATER, {"photo_count": 1}, ("'roads'",)),
    (CaseSnapshot(State.DISPATCHED), Action.DEPT_ACCEPT, ROADS, {}, ()),  # no department
    (CaseSnapshot(State.VERIFYING, assignee_id=1), Action.VERIFY, OTHER_SUPERVISOR,
     {"result": "not_found"}, ()),
    (CaseSnapshot(State.REPORTED, reporter_id=1), Action.SELF_HANDLE, OTHER_SUPERVISOR,
     {"photo_count": 1}, ()),
    (HANDLING, Action.COMMENT, WATER, {"note": "急"}, ("'roads'",)),
    (HANDLING, Action.COMMENT, OTHER_SUPERVISOR, {"note": "急"}, ()),
    (HANDLING, Action.ACKNOWLEDGE, ROADS, {}, ()),
    (CaseSnapshot(State.ACCEPTED, channel="hotline"), Action.FILE, CHIEF, {}, ()),
    (CaseSnapshot(State.ACCEPTED, channel="web", verified=False), Action.FILE, CHIEF, {}, ()),
    (HANDLING, Action.REQUEST_POSTPONE, ROADS, {"reason": "雨"}, ()),
    (HANDLING, Action.REQUEST_POSTPONE, ROADS,
     {"reason": "雨", "extension_value": 5000, "extension_unit": "work_days"}, ()),
    (CaseSnapshot(State.HANDLING, department_code="roads", handle_deadline=NOW),
     Action.REQUEST_POSTPONE, ROADS,
     {"reason": "雨", "extension_value": 2, "extension_unit": "work_days"}, ()),
    (CaseSnapshot(State.CLOSED, channel="video"), Action.CALLBACK, CALLER, {"satisfaction": 5},
     ()),
    (CaseSnapshot(State.CLOSED, channel="hotline"), Action.CALLBACK, CALLER, {}, ()),
    (CaseSnapshot(State.CLOSED, channel="hotline"), Action.CALLBACK, CALLER,
     {"satisfaction": 9}, ()),
    (HANDLING, Action.TIMER, SYSTEM, {"light": "blue"}, ()),
    (HANDLING.apply({"light": "yellow"}), Action.TIMER, SYSTEM, {"light": "yellow"}, ()),
    (CaseSnapshot(State.ACCEPTED), Action.MERGE, ACCEPTOR, {"into": "A1", "number": "A1"}, ()),
])
def test_every_rule_refusal_is_worded_in_each_language(case, action, actor, params, given):
    with pytest.raises(Refused) as refused:
        decide(case, action, actor, NOW, params)
    reason = refused.value.message
    assert isinstance(reason, Reason)
    with translation.override("zh-hans"):
        zh = worded(reason)
    with translation.override("en"):
        en = worded(reason)
    assert en == str(reason)  # the English is the rules' own sentence
    _check(zh, en, given)


# The API: (who, case, action, data, status, code); "{name}" in data is that case's number.
STEPS = [
    ("leader", "reported", "accept", {}, 403, "role_not_allowed"),
    ("dept_roads", "handling", "dept_accept", {}, 409, "wrong_state"),
    ("dispatcher", "closed", "dispatch", {"department_code": "roads"}, 409, "wrong_state"),
    ("supervisor", "hotline_verifying", "verify", {"result": "maybe"}, 400, "invalid"),
    ("acceptor", "reported", "reject", {}, 400, "invalid"),
    ("dispatcher", "filed", "dispatch", {}, 400, "invalid"),
    ("acceptor", "accepted", "merge", {}, 400, "invalid"),
    ("dispatcher", "dispatched", "urge", {}, 400, "invalid"),
    ("dispatcher", "dispatched", "urge", {"note": "急" * (NOTE_MAX + 1)}, 400, "invalid"),
    ("dispatcher", "dispatched", "urge", {"note": "急" * 2001}, 400, "invalid"),  # the form's
    ("dispatcher", "dispatched", "urge", {"note": "急", "level": "extreme"}, 400, "invalid"),
    ("dept_roads", "handling", "feedback", {}, 400, "invalid"),
    ("dept_roads", "dispatched", "acknowledge", {}, 409, "nothing_to_acknowledge"),
    ("dutychief", "hotline_accepted", "file", {}, 400, "invalid"),
    ("dutychief", "hotline_not_found", "file", {}, 400, "invalid"),
    ("dept_roads", "handling", "request_postpone", {"reason": "雨天"}, 400, "invalid"),
    ("calltaker", "closed", "callback", {"satisfaction": 5}, 400, "invalid"),
    ("calltaker", "hotline_closed", "callback", {}, 400, "invalid"),
    ("dutychief", "accepted", "file", {"version": 0}, 409, "stale"),
    ("dutychief", "accepted", "file", {"condition_code": "nope"}, 400, "invalid"),
    ("dispatcher", "filed", "dispatch", {"department_code": "nowhere"}, 400, "invalid"),
    ("acceptor", "hotline_accepted", "send_verify", {"assignee": "nobody"}, 400, "invalid"),
    ("acceptor", "accepted", "merge", {"into": "NOPE-1"}, 400, "invalid"),
    ("acceptor", "accepted", "merge", {"into": "{accepted}"}, 400, "invalid"),
    ("acceptor", "accepted", "merge", {"into": "{closed}"}, 400, "invalid"),
]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The cast on the toy city with a duty grid, and a case in each state the steps start
    from, taken there through the API once for the module."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            cast = places_cast()

            def post(who, number, action, **data):
                photo = data.pop("photo", None)
                if photo is not None:
                    data["photo"] = _named(photo)
                r = cast[who].post(f"/api/cases/{number}/actions/{action}/", data,
                                   format="multipart" if photo is not None else "json")
                assert r.status_code == 200, (action, r.content)

            def handset(steps):
                r = cast["supervisor"].post("/api/reports/", report_form(), format="multipart")
                number = r.json()["number"]
                for who, action, data, _ in LOOP[:steps]:
                    post(who, number, action, **dict(data))
                return number

            def hotline(*steps):
                number = cast["calltaker"].post("/api/hotline/calls/", call(),
                                                format="json").json()["number"]
                for who, action, data in steps:
                    post(who, number, action, **data)
                return number

            cases = {"reported": handset(0), "accepted": handset(1), "filed": handset(2),
                     "dispatched": handset(3), "handling": handset(4), "closed": handset(8)}
            cases["hotline_accepted"] = hotline(("acceptor", "accept", {}))
            cases["hotline_verifying"] = hotline(("acceptor", "accept", {}),
                                                 ("acceptor", "send_verify", {}))
            cases["hotline_not_found"] = hotline(("acceptor", "accept", {}),
                                                 ("acceptor", "send_verify", {}),
                                                 ("supervisor", "verify", {"result": "not_found"}))
            cases["hotline_closed"] = hotline()
            close_public(cast, cases["hotline_closed"])
        yield cast, cases
    forget_places()


def _named(data: bytes):
    f = io.BytesIO(data)
    f.name = "p.jpg"
    return f


def _ask(client, path, data, **headers):
    """``client``'s user posting ``data`` with only the language ``headers`` given."""
    asker = APIClient()
    asker.credentials(HTTP_AUTHORIZATION=f"Token {client.token}", **headers)
    return asker.post(path, data, format="json")


@pytest.mark.parametrize("who, case, action, data, status, code", STEPS,
                         ids=[f"{s[2]}-{s[5]}-{i}" for i, s in enumerate(STEPS)])
def test_a_refused_step_answers_in_the_request_language(world, db, who, case, action, data,
                                                        status, code):
    cast, cases = world
    data = {k: v.format(**cases) if isinstance(v, str) else v for k, v in data.items()}
    path = f"/api/cases/{cases[case]}/actions/{action}/"
    default = _ask(cast[who], path, data)  # no language asked: Chinese
    zh = _ask(cast[who], path, data, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    en = _ask(cast[who], path, data, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.8")
    for r in (default, zh, en):
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.content
    assert default.json() == zh.json()
    assert zh.json()["error"].get("field") == en.json()["error"].get("field")
    given = [*cases.values(), *(str(v) for v in data.values()), "'roads'"]
    _check(zh.json()["error"]["message"], en.json()["error"]["message"], given)


def test_the_language_cookie_chooses_too(world, db):
    cast, cases = world
    path = f"/api/cases/{cases['handling']}/actions/dept_accept/"
    asker = APIClient()
    asker.credentials(HTTP_AUTHORIZATION=f"Token {cast['dept_roads'].token}",
                      HTTP_ACCEPT_LANGUAGE="zh-CN")
    asker.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    message = asker.post(path, {}, format="json").json()["error"]["message"]
    assert message == "the step 'take on' cannot be taken on a case that is handling", message
    zh = _ask(cast["dept_roads"], path, {}).json()["error"]["message"]
    assert zh == "处置中的案件不能执行“签收”", zh


@pytest.mark.parametrize("data, words", [(b"this is not an image at all", "JPEG"),
                                         (jpeg()[:-200], "损坏"), (b"", "")])
def test_a_photo_refused_in_a_step_is_worded_in_each_language(world, db, data, words):
    cast, cases = world
    answers = {}
    for lang in ("zh-hans", "en"):
        asker = APIClient()
        asker.credentials(HTTP_AUTHORIZATION=f"Token {cast['dept_roads'].token}",
                          HTTP_ACCEPT_LANGUAGE=lang)
        r = asker.post(f"/api/cases/{cases['handling']}/actions/feedback/",
                       {"photo": _named(data)}, format="multipart")
        assert r.status_code == 400 and r.json()["error"]["field"] == "photo", r.content
        answers[lang] = r.json()["error"]
    assert answers["zh-hans"]["code"] == answers["en"]["code"]
    assert words in answers["zh-hans"]["message"]
    _check(answers["zh-hans"]["message"], answers["en"]["message"], FORMATS)


def test_a_key_used_for_another_step_is_refused_in_each_language(world, db):
    cast, cases = world
    path = f"/api/cases/{cases['dispatched']}/actions/comment/"
    first = _ask(cast["dispatcher"], path, {"note": "请加快", "idempotency_key": "ref-key-0001"})
    assert first.status_code == 200, first.content
    again = {lang: _ask(cast["dispatcher"], path, {"note": "另一句", "idempotency_key":
                                                  "ref-key-0001"}, HTTP_ACCEPT_LANGUAGE=lang)
             for lang in ("zh-hans", "en")}
    for r in again.values():
        assert r.status_code == 409 and r.json()["error"]["code"] == "idempotency_conflict"
    _check(again["zh-hans"].json()["error"]["message"], again["en"].json()["error"]["message"],
           ["'ref-key-0001'"])


def test_a_refusal_about_a_parameter_names_it(world, db):
    cast, cases = world
    r = _ask(cast["dept_roads"], f"/api/cases/{cases['handling']}/actions/feedback/", {})
    assert r.json()["error"] == {"code": "invalid", "field": "photo", "state": "handling",
                                 "message": "“现场照片”不能为空：请附一张现场照片"}


def test_the_photo_step_refused_before_the_photo_is_read_answers_in_chinese(world, db):
    cast, cases = world
    asker = APIClient()
    asker.credentials(HTTP_AUTHORIZATION=f"Token {cast['leader'].token}")
    r = asker.post(f"/api/cases/{cases['handling']}/actions/feedback/",
                   {"photo": _named(jpeg())}, format="multipart")
    assert r.status_code == 403, r.content
    assert r.json()["error"]["message"] == "您的岗位（领导）不能执行“处置反馈”"

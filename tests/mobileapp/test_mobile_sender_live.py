"""The outbox sender against the real server (SpatiaLite, demo city, daphne). Only the network
is faked, by ``Link`` (up / down / swallow). Cases are counted on the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.simulate import Simulator, make_photo
from mobileapp.core.api import ApiClient
from mobileapp.core.outbox import REFUSED, SENDING, SENT, WAITING, Outbox
from mobileapp.core.photos import shrink
from mobileapp.core.sender import Sender
from mobileapp.core.tasks import TaskInbox
from tests.mobileapp.conftest import server_case_count

REPO = Path(__file__).resolve().parents[2]
FAST = dict(base_delay=0.05, max_delay=0.3, idle_poll=0.1, timeout=5.0)


def report_fields(cell: dict, text: str, class_code: str = "0101") -> dict:
    return {"kind": "event", "class_code": class_code, "lat": cell["lat"], "lon": cell["lon"],
            "accuracy_m": 5, "description": text}


def wait_for(pred, timeout: float = 15.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s")


def test_reports_made_offline_are_sent_once_online(tmp_path, live, link, sup_token, cells):
    before = server_case_count(live.base_url, sup_token)
    link.set("down")
    ob = Outbox(tmp_path / "phone.db")
    items = [ob.add_report(report_fields(cells[i], f"离线上报 {i}"), shrink(make_photo(i)))
             for i in range(3)]
    sender = Sender(ob.path, link.base_url, sup_token, **FAST).start()
    try:
        wait_for(lambda: all(ob.get(i.id).attempts >= 2 for i in items))
        assert all(ob.get(i.id).state in (WAITING, SENDING) for i in items)
        assert server_case_count(live.base_url, sup_token) == before
        link.set("up")
        sent = wait_for(lambda: [ob.get(i.id) for i in items]
                        if all(ob.get(i.id).state == SENT for i in items) else None)
    finally:
        sender.stop()
    assert len({s.case_number for s in sent}) == 3
    assert server_case_count(live.base_url, sup_token) == before + 3


def test_sender_killed_mid_upload_loses_nothing_and_duplicates_nothing(
        tmp_path, live, link, sup_token, cells):
    before = server_case_count(live.base_url, sup_token)
    db = tmp_path / "phone.db"
    ob = Outbox(db)
    item = ob.add_report(report_fields(cells[5], "上传中被杀"), shrink(make_photo(99)))
    link.set("swallow")  # the upload lands; the answer never comes back
    proc = subprocess.Popen(
        [sys.executable, "-m", "mobileapp.core.sender", "--db", str(db), "--base-url",
         link.base_url, "--token", sup_token], cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)))
    try:
        wait_for(lambda: server_case_count(live.base_url, sup_token) == before + 1)
        assert ob.get(item.id).state == SENDING
    finally:
        proc.send_signal(signal.SIGKILL)  # the phone's battery dies mid-request
        proc.wait()
    link.set("down")  # the hung connection dies with it
    link.set("up")
    sender = Sender(db, link.base_url, sup_token, **FAST).start()  # the app starts again
    try:
        done = wait_for(lambda: ob.get(item.id) if ob.get(item.id).state == SENT else None)
    finally:
        sender.stop()
    assert done.attempts == 2
    assert server_case_count(live.base_url, sup_token) == before + 1
    newest = httpx.get(live.base_url + "/api/cases/", params={"limit": 1, "sort": "newest"},
                       headers={"Authorization": f"Token {sup_token}"}).json()["results"][0]
    assert newest["number"] == done.case_number
    assert newest["description"] == "上传中被杀"


def test_refused_items_show_the_servers_reason(tmp_path, live, sup_token, cells):
    ob = Outbox(tmp_path / "phone.db")
    outside = ob.add_report({"kind": "event", "class_code": "0101", "lat": 10.0, "lon": 10.0,
                             "description": "far away"}, shrink(make_photo(1)))
    bad_class = ob.add_report(report_fields(cells[0], "x", class_code="9999"),
                              shrink(make_photo(2)))
    no_photo = ob.add_report(report_fields(cells[0], "no photo"), None)
    # A key reused for another body is a phone bug: refused with the server's reason (409).
    ok = ob.add_report(report_fields(cells[1], "first body"), shrink(make_photo(3)))
    reused = ob.add_report(report_fields(cells[1], "second body"), shrink(make_photo(4)))
    sender = Sender(ob.path, live.base_url, sup_token, **FAST)
    api = ApiClient(live.base_url, sup_token)
    sender.step(ob, api)
    sender.step(ob, api)
    sender.step(ob, api)
    sender.step(ob, api)
    spent = ob.get(ok.id).key  # ok is sent; give its key to `reused` (a UNIQUE column)
    ob.db.execute("UPDATE outbox SET key='spent-' || key WHERE id=?", (ok.id,))
    ob.db.execute("UPDATE outbox SET key=? WHERE id=?", (spent, reused.id))
    sender.step(ob, api)
    api.close()
    got = {i: ob.get(i) for i in (outside.id, bad_class.id, no_photo.id, ok.id, reused.id)}
    assert got[ok.id].state == SENT
    for i in (outside.id, bad_class.id, no_photo.id, reused.id):
        assert got[i].state == REFUSED, got[i]
    # The server's reason, in the phone's language (Chinese by default), with its code and field
    assert (got[outside.id].reason_code, got[outside.id].reason_field) == ("outside_area", "lat")
    assert "不在管辖区域内" in got[outside.id].reason
    assert got[bad_class.id].reason_field == "class_code" and "9999" in got[bad_class.id].reason
    assert got[no_photo.id].reason_field == "photo" and "照片" in got[no_photo.id].reason
    assert got[reused.id].reason_code == "idempotency_conflict" and got[reused.id].reason


def test_check_task_arrives_and_is_answered_through_the_outbox(tmp_path, live, sup_token):
    sim = Simulator(live.base_url)
    sim.prepare()
    _, body = ApiClient(live.base_url, sup_token).report(
        {"idempotency_key": "task-test-0001", "kind": "event", "class_code": "0101",
         "lat": str(sim.cells[3]["lat"]), "lon": str(sim.cells[3]["lon"]),
         "accuracy_m": "5", "description": "待核查"}, make_photo(7))
    number = body["number"]
    for actor, action, expect, kw in [
            ("acceptor", "accept", "accepted", {}), ("dutychief", "file", "filed", {}),
            ("dispatcher", "dispatch", "dispatched", {"department_code": sim.department_code}),
            (sim.department_user, "dept_accept", "handling", {}),
            (sim.department_user, "feedback", "handled", {"photo": make_photo(8), "note": "ok"}),
            ("acceptor", "request_check", "checking", {"assignee": "supervisor"})]:
        sim.act(actor, number, action, expect, **kw)
    ob = Outbox(tmp_path / "phone.db")
    api = ApiClient(live.base_url, sup_token)
    inbox = TaskInbox(api, ob)
    tasks = {t.number: t for t in inbox.poll()}
    assert tasks[number].action == "check"
    inbox.answer(tasks[number], "fixed", shrink(make_photo(9)), note="现场已修复")
    assert number not in {t.number for t in inbox.poll()}  # answered, waiting to send
    # ... but still open on the server: what a task board keeps (a refusal brings it back)
    assert number in {t.number for t in inbox.fetch()}
    Sender(ob.path, live.base_url, sup_token, **FAST).step(ob, api)
    (item,) = ob.items()
    assert item.state == SENT and item.case_number == number
    assert sim.call("supervisor", "GET", f"/api/cases/{number}/").json()["state"] == "checked"
    # the answer sent again with its key (the first reply was lost): the first answer, no
    # second check
    status, again = api.case_action(number, "check", item.fields, item.photo, key=item.key)
    assert status == 200 and again["state"] == "checked"
    events = sim.call("supervisor", "GET", f"/api/cases/{number}/").json()["events"]
    assert [e["action"] for e in events].count("check") == 1
    api.close()


def test_gateway_503_and_expired_token_keep_the_report_waiting(tmp_path, live, link, sup_token,
                                                                cells):
    before = server_case_count(live.base_url, sup_token)
    ob = Outbox(tmp_path / "phone.db")
    item = ob.add_report(report_fields(cells[7], "网关 503"), shrink(make_photo(77)))
    link.set("gateway")
    told: list[str] = []
    sender = Sender(ob.path, link.base_url, sup_token, **FAST,
                    on_unauthorized=lambda: told.append("401"),
                    on_link=lambda up: told.append("up" if up else "down"))
    with ApiClient(link.base_url, sup_token) as api:
        sender.step(ob, api)
    got = ob.get(item.id)
    assert got.state == WAITING and got.reason == "HTTP 503"
    assert told == ["down"]
    link.set("up")
    ob.retry_now()
    with ApiClient(link.base_url, "not-a-valid-token") as api:
        sender.step(ob, api)
    got = ob.get(item.id)
    assert got.state == WAITING and got.reason.startswith("HTTP 401")
    assert got.reason_code == "unauthorized" and told == ["down", "up", "401"]
    ob.retry_now()
    with ApiClient(link.base_url, sup_token) as api:
        sender.step(ob, api)
    assert ob.get(item.id).state == SENT
    assert server_case_count(live.base_url, sup_token) == before + 1


def test_the_server_words_its_answers_in_the_phone_s_language(live, monkeypatch):
    """The app's language goes out with every call: a refusal's message (and the base map's
    credit) come in Chinese by default and in English when the phone is set to English."""
    from mobileapp.core.api import Refused

    said = {}
    for language in ("zh-hans", "en"):
        monkeypatch.setattr(ApiClient, "language", language)
        with ApiClient(live.base_url) as api:
            try:
                api.login("no-such-supervisor", "not-the-password")
            except Refused as exc:
                said[language] = exc.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in said["zh-hans"]), said
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in said["en"]), said

"""The handset's pure core for the supervisor's screens: editing and resending refused items,
deleting, the status bar's counts, drafts that keep everything, refusals in Chinese, the
freshness of a position, and logs without secrets."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from mobileapp.core.drafts import Drafts
from mobileapp.core.messages import REFUSALS, age, item_state, refusal
from mobileapp.core.outbox import REFUSED, SENDING, WAITING, Outbox
from mobileapp.core.position import MAX_AGE_S, Position, distance_m, fresh
from mobileapp.core.redact import MASK, RedactingFilter, install, redact
from mobileapp.platform.gps import Fix

FIELDS = {"kind": "event", "class_code": "0103", "lat": "39.9", "lon": "116.4",
          "accuracy_m": "8", "description": "积存垃圾"}


def test_a_refused_report_is_edited_and_resent_under_a_new_key(tmp_path):
    ob = Outbox(tmp_path / "o.db")
    item = ob.add_report(FIELDS, b"photo-1", b"voice")
    ob.claim()
    ob.mark_refused(item.id, "position outside the managed area", "outside_area", "lat")
    refused = ob.get(item.id)
    assert refused.state == REFUSED and refused.reason_code == "outside_area"
    assert "重新定位" in item_state(refused)        # Chinese, with what to do
    assert "outside" not in item_state(refused)
    again = ob.revise(item.id, dict(FIELDS, lat="39.91"))
    assert again.state == WAITING and again.key != item.key and again.attempts == 0
    assert again.fields["lat"] == "39.91" and again.photo == b"photo-1" and again.voice == b"voice"
    assert again.reason is None and again.reason_code is None
    with pytest.raises(ValueError):
        ob.revise(item.id)                          # only a refused item


def test_delete_never_races_the_sender(tmp_path):
    ob = Outbox(tmp_path / "o.db")
    a, b = ob.add_report(FIELDS, b"a"), ob.add_report(FIELDS, b"b")
    claimed = ob.claim()
    assert claimed.id == a.id and ob.get(a.id).state == SENDING
    assert ob.delete(a.id) is False and ob.get(a.id).state == SENDING
    assert ob.delete(b.id) is True
    with pytest.raises(KeyError):
        ob.get(b.id)


def test_status_counts_pending_and_last_sync(tmp_path):
    ob = Outbox(tmp_path / "o.db")
    assert ob.pending() == 0 and ob.last_sent_at() is None
    a, _b = ob.add_report(FIELDS, b"a"), ob.add_report(FIELDS, b"b")
    ob.claim()
    assert ob.pending() == 2
    ob.mark_sent(a.id, "C1")
    assert ob.pending() == 1 and ob.last_sent_at() == ob.get(a.id).updated_at
    assert Outbox(tmp_path / "o.db").last_sent_at() is not None  # from the file: survives


def test_an_old_outbox_file_gains_the_reason_columns(tmp_path):
    db = sqlite3.connect(tmp_path / "old.db")
    db.executescript("""CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, case_number TEXT, fields TEXT NOT NULL,
        photo BLOB, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        next_try REAL NOT NULL DEFAULT 0, reason TEXT, created_at REAL NOT NULL,
        updated_at REAL NOT NULL);
        INSERT INTO outbox (key, kind, fields, state, created_at, updated_at)
        VALUES ('k', 'report', '{}', 'waiting', 1, 1);""")
    db.close()
    [item] = Outbox(tmp_path / "old.db").items()
    assert item.voice is None and item.reason_code is None


def test_drafts_keep_voice_and_screen_fields_but_submit_only_report_fields(tmp_path):
    ob = Outbox(tmp_path / "o.db")
    drafts = Drafts(ob)
    d = drafts.save(dict(FIELDS, _class_name="积存垃圾渣土", _source="gps"), b"p", voice=b"v")
    assert drafts.get(d.id).voice == b"v" and drafts.get(d.id).fields["_source"] == "gps"
    d = drafts.save(dict(drafts.get(d.id).fields, description="改过"), b"p2", d.id, b"v")
    assert [x.id for x in drafts.list()] == [d.id]
    item = ob.get(drafts.submit(d.id))
    assert item.fields["description"] == "改过" and "_source" not in item.fields
    assert item.photo == b"p2" and item.voice == b"v" and drafts.list() == []


@pytest.mark.parametrize("code,field,message,expect", [
    ("invalid", None, "'photo' is required: a photo of the site", "缺少现场照片"),
    ("invalid", "photo", "“照片”为必填项：现场照片", "缺少现场照片"),  # worded in Chinese
    ("invalid_photo", "photo", "the file is not an image", "照片无法识别"),
    ("invalid", "class_code", "unknown class", "分类"),
    ("outside_area", "lat", "outside", "本市管理范围"),
    ("wrong_state", None, "cannot check a case that is closed", "状态已变化"),
    ("token_expired", None, "token expired", "重新登录"),
    ("brand_new_code", None, "some English", "服务器拒收（some English），请检查后重发"),
    ("stale", None, "the case changed since you saw it", "刷新任务"),
    ("permission_denied", None, "You do not have permission", "无权"),
])
def test_refusals_are_in_chinese_with_what_to_do(code, field, message, expect):
    assert expect in refusal(code, field, message)
    if code in REFUSALS:
        assert refusal(code, field, message, "en") != refusal(code, field, message)


def test_a_401_waiting_item_says_sign_in_again(tmp_path):
    ob = Outbox(tmp_path / "o.db")
    item = ob.add_report(FIELDS, b"a")
    ob.claim()
    ob.mark_retry(item.id, 0, "HTTP 401: token expired", "unauthorized")
    assert item_state(ob.get(item.id)) == "等待发送 · 登录已失效，请重新登录（此条已保留）"


def test_sent_and_age_lines():
    assert age(3) == "3 秒前" and age(125) == "2 分钟前" and age(7300, "en") == "2 h ago"


def test_a_fix_from_before_the_report_started_is_not_fresh():
    started = 1000.0
    assert fresh(Fix(1, 2, 5, started + 2), started, started + 3)
    assert fresh(Fix(1, 2, 5, started - MAX_AGE_S + 1), started, started + 3)
    assert not fresh(Fix(1, 2, 5, started - MAX_AGE_S - 1), started, started + 3)
    assert not fresh(Fix(1, 2, 5, started + 100), started, started + 3)  # from the future
    assert not fresh(None, started, started)
    pos = Position.from_fix(Fix(39.9, 116.4, 8, started))
    assert pos.source == "gps" and pos.age(started + 5) == 5 and not pos.stale(started + 5)
    assert pos.stale(started + 600)
    moved = pos.moved(39.9001, 116.4, "component")
    assert moved.at == pos.at and 10 < distance_m(pos.lat, pos.lon, moved.lat, moved.lon) < 12


def test_redact_hides_tokens_and_passwords():
    secret = "0f3c9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b"
    lines = [f"> GET /ws/events/?token={secret} HTTP/1.1",
             f"Authorization: Token {secret}", f"{{'username': 'x', 'password': '{secret}'}}",
             f'{{"token": "{secret}", "username": "supervisor"}}']
    for line in lines:
        assert secret not in redact(line) and MASK in redact(line), line
    assert redact("GET /api/cases/?limit=200") == "GET /api/cases/?limit=200"


def test_the_log_filter_cleans_library_records(caplog):
    secret = "abcdef0123456789abcdef0123456789"
    handler = logging.Handler()
    seen: list[str] = []
    handler.emit = lambda record: seen.append(record.getMessage())
    log = logging.getLogger("websockets.client.test-redact")
    log.addHandler(handler)
    install([handler])
    log.setLevel(logging.DEBUG)
    log.debug("> GET %s HTTP/1.1", f"/ws/events/?token={secret}")
    assert seen and secret not in seen[0] and "token=***" in seen[0]
    assert logging.getLogger("websockets").level == logging.WARNING
    assert any(isinstance(f, RedactingFilter) for f in handler.filters)
    log.removeHandler(handler)

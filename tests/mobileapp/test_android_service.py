"""The background service: started by the app with the right arguments (fake phone), its
foreground notification with the right types, and its loop against the real server, in a
process of its own sharing the outbox file with the "app" (this test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bench.simulate import make_photo
from mobileapp.core.outbox import SENT, TRACK, Outbox
from mobileapp.core.photos import shrink
from mobileapp.platform.foreground import Foreground, WakeLock
from mobileapp.platform.gps import Fix, Gps
from mobileapp.platform.service import (AndroidService, NoService, ServiceLink, service_link,
                                        token_id)
from mobileapp.service import HandsetService, data_dir_of
from tests.mobileapp.android_fakes import PACKAGE, Phone
from tests.mobileapp.test_mobile_sender_live import report_fields, wait_for

REPO = Path(__file__).resolve().parents[2]
FAST = dict(base_delay=0.05, max_delay=0.3, idle_poll=0.1, timeout=5.0)


@pytest.fixture
def phone(tmp_path, monkeypatch):
    return Phone(tmp_path).install(monkeypatch)


def test_the_app_starts_the_service_with_its_data_dir(phone, tmp_path):
    link = service_link(tmp_path)
    assert isinstance(link, AndroidService) and link.available
    assert link.start("城管通", "发件箱已清空")
    (_, (ctx, icon, title, text, argument)), = [
        c for c in phone.calls if c[0] == "ServiceHandset.start"]
    assert ("autoclass", (f"{PACKAGE}.ServiceHandset",)) in phone.calls
    assert ctx is phone.activity and (icon, title, text) == ("", "城管通", "发件箱已清空")
    assert json.loads(argument) == {"data_dir": str(tmp_path)}
    assert data_dir_of(argument) == str(tmp_path)
    link.stop()
    assert phone.names("ServiceHandset.stop") == ["ServiceHandset.stop"]


def test_a_sticky_restart_finds_the_files_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("ANDROID_PRIVATE", str(tmp_path))
    assert data_dir_of("") == str(tmp_path)


def test_desktop_has_no_service(monkeypatch, tmp_path):
    monkeypatch.delenv("ANDROID_ARGUMENT", raising=False)
    link = service_link(tmp_path)
    assert isinstance(link, NoService) and not link.available and not link.wake()


def test_foreground_types_follow_the_track(phone):
    fg = Foreground("后台发送与巡查轨迹")
    assert fg.show("城管通", "待发送 2 项", location=False)
    assert fg.show("城管通", "巡查轨迹记录中", location=True)
    starts = [a for n, a in phone.calls if n == "service.startForeground"]
    assert starts == [(1, "notification", 1), (1, "notification", 1 | 8)]
    assert ("builder.setContentText", ("巡查轨迹记录中",)) in phone.calls
    assert ("builder.setOngoing", (True,)) in phone.calls
    # Android 12+ refuses a foreground start from the background: said, not raised.
    phone.foreground_error = RuntimeError("ForegroundServiceStartNotAllowedException")
    assert not fg.show("城管通", "x", location=False) and "NotAllowed" in fg.error


def test_foreground_before_android_10_has_no_types(tmp_path, monkeypatch):
    phone = Phone(tmp_path, sdk=28).install(monkeypatch)
    assert Foreground("c").show("t", "x", location=True)
    assert [a for n, a in phone.calls if n == "service.startForeground"] == [
        (1, "notification")]


def test_wake_lock_held_while_items_wait(phone):
    lock = WakeLock()
    lock.hold(True)
    lock.hold(False)
    assert phone.names("wakelock.") == ["wakelock.setReferenceCounted", "wakelock.acquire",
                                        "wakelock.isHeld", "wakelock.release"]


def write_session(d: Path, base_url: str, token: str | None) -> None:
    tmp = d / "session.json.tmp"
    tmp.write_text(json.dumps({"base_url": base_url, "token": token, "lang": "zh"}))
    tmp.replace(d / "session.json")


def test_service_process_sends_what_the_app_queues(tmp_path, live, sup_token, cells):
    """Two processes on one outbox file: the app adds, the service (its own process) sends;
    a wake datagram makes it look at once; a 401 is reported for the token it used."""
    write_session(tmp_path, live.base_url, "not-a-token")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("ANDROID_ARGUMENT", None)
    proc = subprocess.Popen([sys.executable, "-m", "mobileapp.service", "--data-dir",
                             str(tmp_path)], cwd=REPO, env=env, stderr=subprocess.PIPE)
    app = Outbox(tmp_path / "outbox.sqlite3")
    link = ServiceLink(tmp_path)
    try:
        wait_for(link.alive, timeout=30)
        item = app.add_report(report_fields(cells[0], "服务进程发送"), shrink(make_photo(7)))
        assert link.wake()
        state = wait_for(lambda: link.state() if link.state().get("unauthorized") else None)
        assert state["token_id"] == token_id("not-a-token") and app.get(item.id).state != SENT
        write_session(tmp_path, live.base_url, sup_token)   # signed in again
        sent = wait_for(lambda: app.get(item.id).state == SENT, timeout=30)
        assert sent and app.get(item.id).case_number
        state = wait_for(lambda: link.state() if link.state().get("pending") == 0 else None)
        assert not state["unauthorized"] and state["link"] is True and state["pid"] == proc.pid
    finally:
        proc.terminate()
        proc.wait(10)
        app.close()


class FakeGps(Gps):
    available = True

    def __init__(self):
        super().__init__()
        self.on = False

    def start(self):
        self.on = True

    def stop(self):
        self.on = False


class FakeForeground:
    def __init__(self):
        self.shown, self.error = [], None

    def show(self, title, text, *, location):
        self.shown.append((text, location))
        return True


def test_service_records_the_track_while_the_flag_is_up(tmp_path, live, sup_token, cells):
    write_session(tmp_path, live.base_url, sup_token)
    gps, fg = FakeGps(), FakeForeground()
    service = HandsetService(tmp_path, gps=gps, foreground=fg, tick=0.1, sender_kw=FAST)
    thread = threading.Thread(target=service.run, daemon=True)
    thread.start()
    app = Outbox(tmp_path / "outbox.sqlite3")
    try:
        wait_for(lambda: ServiceLink(tmp_path).state().get("port"))  # the file the app reads
        (tmp_path / "tracking").touch()           # the app's clock-in
        assert ServiceLink(tmp_path).wake()
        wait_for(lambda: gps.on)
        wait_for(lambda: fg.shown and fg.shown[-1] == ("巡查轨迹记录中 · 发件箱已清空", True))
        t0 = time.time()
        for i in range(3):  # GPS callbacks come on another thread (Android's main looper)
            cell = cells[i]
            gps._got(Fix(cell["lat"], cell["lon"], 5.0, t0 + 60 * i))
        wait_for(lambda: ServiceLink(tmp_path).state().get("track_pending") == 3)
        (tmp_path / "tracking").unlink()          # clock-out: flushed and sent
        tracks = wait_for(lambda: [i for i in app.items() if i.kind == TRACK
                                   and i.state == SENT], timeout=30)
        assert len(tracks) == 1 and not gps.on
        wait_for(lambda: fg.shown[-1] == ("发件箱已清空", False))
    finally:
        service.stop()
        thread.join(10)
        app.close()
    assert ServiceLink(tmp_path).state().get("port") is None

"""The real Kivy app, headless, against the real server: sign in, pick a class by a Chinese
search, type a position, pick a photo file, send, see the report sent in the outbox; open the
map (downloaded once, then drawn from the disk cache with the network cut), tap an asset to
set the report's position and asset, add a voice note, send it when the network is back; see
the check task (核查) pushed over the websocket and answer it as fixed; report the tapped
asset missing (部件更新); clock in on the duty screen. Screenshots of each screen are kept
under test-artifacts/mobileapp/."""

from __future__ import annotations

import struct
import time
import uuid

import httpx

import pytest

from bench.simulate import Simulator, make_photo
from tests.mobileapp.ui.conftest import screenshot


def case_handled(base_url: str, cell: dict) -> tuple[Simulator, str]:
    """A case reported by the supervisor and taken through the loop up to 'handled'; the
    acceptor's request_check (核查, to the supervisor) is left to the test."""
    sim = Simulator(base_url)
    sim.prepare()
    r = sim.call("supervisor", "POST", "/api/reports/", data={
        # a key of its own each time: the UI tests share one server, and a repeated key would
        # answer with the case an earlier test already took through the loop
        "idempotency_key": f"ui-check-task-{uuid.uuid4().hex[:12]}", "kind": "event",
        "class_code": "0103",
        "lat": str(cell["lat"]), "lon": str(cell["lon"]), "accuracy_m": "5",
        "description": "待核查 UI"}, files={"photo": ("p.jpg", make_photo(5), "image/jpeg")})
    number = r.json()["number"]
    for actor, action, expect, kw in [
            ("acceptor", "accept", "accepted", {}), ("dutychief", "file", "filed", {}),
            ("dispatcher", "dispatch", "dispatched", {"department_code": sim.department_code}),
            (sim.department_user, "dept_accept", "handling", {}),
            (sim.department_user, "feedback", "handled", {"photo": make_photo(6), "note": "ok"})]:
        sim.act(actor, number, action, expect, **kw)
    return sim, number


def wav(seconds: float = 0.2, rate: int = 8000) -> bytes:
    """A silent mono 16-bit WAV file: a voice note as the desktop picks one."""
    data = b"\0\0" * int(seconds * rate)
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, 1, rate, 2 * rate, 2, 16)
            + b"data" + struct.pack("<I", len(data)) + data)


def test_sign_in_report_and_see_it_sent(live, link, cells, tmp_path, artifacts, monkeypatch,
                                        drive):
    from kivy.tests.common import UnitTestTouch

    from mobileapp.ui.app import HandsetApp
    from mobileapp.ui.mapview import DutyMapView

    photo = tmp_path / "site.jpg"
    photo.write_bytes(make_photo(42))
    voice = tmp_path / "note.wav"
    voice.write_bytes(wav())
    monkeypatch.setenv("DCM_VOICE", str(voice))     # the desktop's stand-in microphone
    monkeypatch.setenv("DCM_GPS", f'{cells[3]["lat"]},{cells[3]["lon"]},8')
    sim, task_number = case_handled(live.base_url, cells[4])
    app = HandsetApp(base_url=link.base_url, data_dir=str(tmp_path / "phone"))
    from mobileapp.platform.camera import FileCamera
    app.camera = FileCamera(str(photo))
    timings: dict[str, float] = {}

    def shot(name: str) -> None:
        screenshot(tmp_path, artifacts / f"{name}.png")

    def tap(widget, x, y):
        """A real touch (down, up) through the window at widget-local (x, y)."""
        wx, wy = widget.to_window(x, y)
        touch = UnitTestTouch(wx, wy)
        touch.touch_down()
        touch.touch_up()

    def script():
        root = app.root
        login = root.get_screen("login")
        shot("login")
        login.ids.username.text, login.ids.password.text = "supervisor", "demo-dcm-2026"
        login.sign_in(link.base_url, "supervisor", "demo-dcm-2026")
        yield lambda: root.current == "report"
        report = root.get_screen("report")
        yield lambda: len(report.classes) > 100
        report.kind = "component"
        picker = report.ids.picker
        picker.ids.search.text = "雨水井盖"
        yield lambda: len(picker.ids.class_list.children) == 1
        picker.ids.class_list.children[0].dispatch("on_release")
        assert report.class_code == "0103"
        report.set_point(cells[2]["lat"], cells[2]["lon"], 5, source="typed")
        report.set_photo(str(photo))
        report.ids.description.text = "雨水井盖破损 UI test"
        yield 0.3
        shot("report")
        report.send()
        root.current = "outbox"
        outbox = root.get_screen("outbox")
        yield lambda: app.outbox.items()[0].state == "sent"
        outbox.refresh()
        yield 0.5
        shot("outbox")

        # The map: downloaded after sign-in; then the network goes and the disk cache serves.
        yield lambda: app.duty_map is not None and app.live_state == "live"
        link.set("down")
        app.duty_map = None
        started = time.perf_counter()
        app.duty_map = app.map_cache.load()          # what a cold start does, no network
        timings["load+draw"] = time.perf_counter() - started
        root.current = "map"
        mapscreen = root.get_screen("map")
        view = mapscreen.ids.map
        yield 0.4
        # A cold start has the map before the layout: the view must still fill the widget.
        cold = DutyMapView(duty_map=app.map_cache.load())
        cold.pos, cold.size = view.pos, view.size
        view.fit()
        assert cold.view.scale == pytest.approx(view.view.scale) and view.view.scale > 0.5
        mapscreen.refresh()                          # asks the server: unreachable
        yield lambda: mapscreen.status == "离线：使用已缓存地图"
        target = next(c for c in app.duty_map.components
                      if (cell := app.duty_map.cell_at(c.lon, c.lat)) and cell.duty)
        view.center_on(target.lon, target.lat, min_scale=2.0)
        yield 0.2
        tap(view, *view.view.to_screen(target.lon, target.lat))
        yield lambda: mapscreen.picked_component is not None
        assert mapscreen.picked_component.code == target.code
        assert "网格" in mapscreen.info
        yield 0.3
        shot("map")
        mapscreen.use("report")
        assert root.current == "report"
        assert report.component_code == target.code and report.kind == "component"
        assert report.position == f"{target.lat:.6f},{target.lon:.6f}"
        assert report.place.source == "component"
        report.toggle_voice()
        report.toggle_voice()                        # record, stop: the WAV file
        assert report.voice_bytes and report.status.startswith("语音")
        report.set_photo(str(photo))
        report.ids.description.text = "地图选点 离线上报"
        report.send()
        item = app.outbox.items()[0]
        assert item.voice and item.fields["component_code"] == target.code
        yield 0.3
        assert app.outbox.get(item.id).state == "waiting"   # offline: kept
        link.set("up")
        app.queued()

        # A check task, pushed over the websocket once it is back.
        yield lambda: app.live_state == "live"
        sim.act("acceptor", task_number, "request_check", "checking", assignee="supervisor")
        yield lambda: task_number in app.board.tasks   # pushed: no poll since sign-in
        assert [t.number for t in mapscreen.ids.map.tasks] == [task_number]  # on the map too
        root.current = "tasks"
        tasks = root.get_screen("tasks")
        yield lambda: len(tasks.ids.task_list.children) == 1 and tasks.details.get(task_number)
        [task] = [t for t in app.tasks if t.number == task_number]
        assert tasks.answer(task, "fixed") is False      # no site photo on the card yet
        app.camera.path = str(photo)
        tasks.take_photo(task)                           # the card's own camera
        yield 0.3
        shot("tasks")
        assert tasks.answer(task, "fixed") is True

        # Component update (部件更新): the asset tapped on the map is reported missing.
        root.current = "map"
        yield 0.2
        mapscreen.use("update")
        update = root.get_screen("update")
        assert root.current == "update" and update.component.code == target.code
        update.kind = "damaged"
        update.send()
        assert update.status == "请拍照或选择照片"      # damaged needs a photo: refused here
        update.kind = "missing"
        update.ids.note.text = "井盖丢失"
        update.send()
        assert update.status.startswith("已保存到发件箱")
        yield 0.3
        shot("update")

        root.current = "duty"
        duty = root.get_screen("duty")
        duty.clock("in")
        assert app.tracking and "上班签到" in duty.status
        yield 0.6  # past the screen transition
        shot("duty")
        yield lambda: len(app.outbox.items()) >= 5 and all(
            i.state in ("sent", "refused") for i in app.outbox.items() if i.kind != "track")
        outbox = root.get_screen("outbox")
        outbox.rows = []
        outbox.refresh()
        from kivy.uix.label import Label
        texts = [w.text for w in outbox.ids.item_list.walk(restrict=True)
                 if isinstance(w, Label)]
        assert any(t.endswith("部件更新 丢失") for t in texts), texts
        assert any(t.endswith("上班签到") for t in texts), texts

    drive(app, script, step_timeout=20)
    by_kind = {}
    for i in app.outbox.items():
        by_kind.setdefault(i.kind, []).append(i)
    first, offline = sorted(by_kind["report"], key=lambda i: i.id)
    [check] = by_kind["check"]
    [clock_in] = by_kind["attendance"]
    [missing] = by_kind["component_update"]
    assert missing.fields["kind"] == "missing" and missing.fields["component_code"]
    for i in (first, offline, clock_in, missing):
        assert i.state == "sent" and i.case_number, (i.kind, i.state, i.reason)
    assert check.kind == "check" and check.state == "sent" and check.case_number == task_number
    auth = {"Authorization": f"Token {app.token}"}
    case = httpx.get(f"{live.base_url}/api/cases/{first.case_number}/", headers=auth).json()
    assert case["description"] == "雨水井盖破损 UI test" and case["class_code"] == "0103"
    case = httpx.get(f"{live.base_url}/api/cases/{offline.case_number}/", headers=auth).json()
    assert case["component_code"] == offline.fields["component_code"]
    assert [v["format"] for v in case["voice_notes"]] == ["wav"]
    checked = httpx.get(f"{live.base_url}/api/cases/{task_number}/", headers=auth).json()
    assert checked["state"] == "checked"
    for name in ("login", "report", "outbox", "map", "tasks", "update", "duty"):
        assert (artifacts / f"{name}.png").stat().st_size > 1000
    print(f"map from the disk cache, parsed and drawn: {timings['load+draw'] * 1000:.0f} ms")

"""A supervisor's day on the real handset (Kivy, headless, 720×1280 at density 2) against a
real server: sign in, clock in, five reports (a component beside them, a class found by
search, two quick reports confirmed, one with a voice note), a verify and a check task
answered with the card's own photo, three reports while the network is down (each arrives
exactly once when it is back), a report refused by the server edited and sent again, a draft
saved, found on the drafts screen and sent, the map, a revoked token (back to sign-in, the
outbox kept), and sign-out with an unsent item.

Every tap is a real touch through the window at the widget's centre, and the test checks the
widget it aimed at is the one that fired: a layout that moved under the finger fails. Taps
per report are counted (at most 3 plus the shutter; optional text is typed, not tapped) and
every report's position is checked against the fix the phone was given. A screenshot of
every screen is kept in test-artifacts/mobileapp/day/."""

from __future__ import annotations

import logging
import math
import uuid

import httpx

from bench.simulate import make_photo
from tests.mobileapp.test_mobile_live import verify_task
from tests.mobileapp.ui.conftest import screenshot
from tests.mobileapp.ui.test_mobile_app_ui import case_handled, wav

MAX_TAPS = 3
OUTSIDE = (1.0, 1.0)   # a valid coordinate far from the demo city: refused outside_area


def metres(lat1, lon1, lat2, lon2) -> float:
    k = 111_320.0
    return math.hypot((lat2 - lat1) * k, (lon2 - lon1) * k * math.cos(math.radians(lat1)))


def test_a_supervisors_day(live, link, cells, tmp_path, artifacts, monkeypatch, drive):
    from kivy.core.window import Window
    from kivy.metrics import dp, sp
    from kivy.tests.common import UnitTestTouch
    from kivy.uix.button import Button
    from kivy.uix.label import Label
    from kivy.uix.textinput import TextInput

    from mobileapp.platform.camera import FileCamera
    from mobileapp.platform.gps import FixedGps
    from mobileapp.platform.voice import FileRecorder
    from mobileapp.ui.app import HandsetApp

    shots = artifacts / "day"
    shots.mkdir(exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    voice = tmp_path / "note.wav"
    voice.write_bytes(wav())
    sim, check_number = case_handled(live.base_url, cells[4])
    verify_number = verify_task(sim, cells[5], "核实：路边堆放垃圾")
    sim.act("acceptor", check_number, "request_check", "checking", assignee="supervisor")

    app = HandsetApp(base_url=link.base_url, data_dir=str(tmp_path / "phone"))
    app.gps = FixedGps(cells[3]["lat"], cells[3]["lon"], 8)
    app.camera = FileCamera(str(tmp_path / "none.jpg"))
    app.recorder = FileRecorder(str(voice))
    seen_logs: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen_logs.append(self.format(record))
    logging.getLogger().addHandler(Keep())

    taps = {"n": 0}
    per_report: dict[str, int] = {}
    given: dict[int, tuple[float, float, str]] = {}   # outbox id -> (lat, lon, how)
    photo_no = [100]
    secrets: list[str] = ["demo-dcm-2026"]   # the password and every token the app held

    def shot(name: str) -> None:
        screenshot(tmp_path, shots / f"{name}.png")

    def tap(widget, count: bool = True) -> None:
        """A real touch at the widget's centre; the widget itself must fire."""
        fired = []
        ev = "on_press" if isinstance(widget, Button) else None
        if ev:
            widget.bind(on_press=lambda *_: fired.append(1))
        wx, wy = widget.to_window(*widget.center)
        if not (0 <= wy <= Window.height):   # below the fold: the user swipes it up first
            from kivy.uix.scrollview import ScrollView

            view = widget.parent
            while view is not None and not isinstance(view, ScrollView):
                view = view.parent
            view.scroll_to(widget, padding=dp(8), animate=False)
            view.update_from_scroll()
            wx, wy = widget.to_window(*widget.center)
        assert 0 <= wx <= Window.width and 0 <= wy <= Window.height, (widget, wx, wy)
        touch = UnitTestTouch(wx, wy)
        touch.touch_down()
        touch.touch_up()
        if ev:
            assert fired, (f"the tap at {widget.text!r} landed elsewhere (layout moved?)",
                           wx, wy, widget.disabled, list(Window.children), app.root.current,
                           widget.get_root_window())
        elif isinstance(widget, TextInput):
            assert widget.focus, "the tap did not focus the field"
        if count:
            taps["n"] += 1

    def new_photo() -> None:
        """The shutter: the camera returns a new picture."""
        photo_no[0] += 1
        path = tmp_path / f"shot{photo_no[0]}.jpg"
        path.write_bytes(make_photo(photo_no[0]))
        app.camera.path = str(path)

    def walk_to(lat: float, lon: float, acc: float = 6.0) -> None:
        """The supervisor walks; the receiver gives a new fix there."""
        app.gps.fix = type(app.gps.fix)(lat, lon, acc, 0.0)
        app.gps.start()

    def check_sizes(screen_name: str) -> None:
        """Thumb-sized: buttons and fields at least 48 dp high, text at least 14 sp."""
        screen = app.root.get_screen(screen_name)
        for w in screen.walk(restrict=True):
            if isinstance(w, (Button, TextInput)) and w.get_root_window() and w.opacity:
                if w.height < dp(48) - 1 and (w.text or isinstance(w, TextInput)):
                    raise AssertionError(f"{screen_name}: {w.text!r} only {w.height / dp(1):.0f}"
                                         " dp high")
            if isinstance(w, Label) and w.text and w.font_size < sp(14) - 0.5:
                raise AssertionError(f"{screen_name}: {w.text!r} at {w.font_size / sp(1)} sp")

    def nav(screen: str):
        labels = {"report": "上报", "outbox": "发件箱", "tasks": "任务", "duty": "考勤",
                  "map": "地图"}
        bar = app.root.get_screen(app.root.current).children[0].children[-1]
        [button] = [b for b in bar.walk(restrict=True) if isinstance(b, Button)
                    and b.text.split(" ")[0] == labels[screen]]
        tap(button, count=False)

    def settled() -> bool:
        """No screen sliding and no popup fading out: a tap now lands where it aims."""
        from kivy.uix.modalview import ModalView

        return not app.root.transition.is_active and not any(
            isinstance(w, ModalView) for w in Window.children)

    def begin_report():
        taps["n"] = 0

    def end_report(name: str) -> None:
        per_report[name] = taps["n"]
        assert taps["n"] <= MAX_TAPS, f"{name}: {taps['n']} taps plus the shutter"

    def newest_report_id() -> int:
        return max(i.id for i in app.outbox.items() if i.kind == "report")

    def script():
        root = app.root
        login = root.get_screen("login")
        yield 0.3
        shot("01-login")
        check_sizes("login")
        login.ids.username.text, login.ids.password.text = "supervisor", "demo-dcm-2026"
        login.ids.server.text = link.base_url
        tap(login.ids.sign_in, count=False)
        yield lambda: root.current == "report"
        report = root.get_screen("report")
        yield lambda: len(report.classes) > 100 and app.duty_map is not None

        yield settled

        nav("duty")

        yield settled
        duty = root.get_screen("duty")
        yield 0.4
        tap(duty.ids.clock_in, count=False)
        yield 0.3
        shot("02-duty-clocked-in")
        check_sizes("duty")

        # 1. A component beside the supervisor: shutter, the component, 上报.
        dmap = app.duty_map
        comp = next(c for c in dmap.components
                    if (cell := dmap.cell_at(c.lon, c.lat)) and cell.duty)
        walk_to(comp.lat + 0.00004, comp.lon)              # ~4 m from it
        yield settled
        nav("report")
        yield settled
        yield lambda: report.place is not None and report.nearby_state == "done"
        fix1 = app.gps.fix
        begin_report()
        new_photo()
        tap(report.ids.shutter, count=False)               # the shutter
        yield lambda: report.photo_bytes is not None
        first = report.ids.nearby_list.children[-1]
        assert first.text and not first.disabled, "no component near the fix"
        shot("03-report-component")
        check_sizes("report")
        # The quick reports are told apart from the class and component buttons at a glance.
        quick_strip = report.ids.quick.parent
        assert any(isinstance(w, Label) and w.text == "快速\n上报" for w in quick_strip.children)
        assert all(tuple(b.background_color) != tuple(first.background_color)
                   for b in report.ids.quick.children)
        tap(first)
        assert report.component_code
        tap(report.ids.send)
        end_report("component beside")
        given[newest_report_id()] = (fix1.lat, fix1.lon, "component")
        yield 0.2
        assert report.photo_bytes is None and report.component_code == ""  # nothing kept

        # 2. An event found by search: shutter, the search field (typing is text), the hit,
        # 上报. A fresh fix elsewhere.
        c2 = cells[6]
        walk_to(c2["lat"], c2["lon"])
        yield lambda: report.place is not None and metres(
            report.place.lat, report.place.lon, c2["lat"], c2["lon"]) < 0.5
        begin_report()
        new_photo()
        tap(report.ids.shutter, count=False)
        yield lambda: report.photo_bytes is not None
        report.kind = "event"
        picker = report.ids.picker
        tap(picker.ids.search)
        picker.ids.search.text = "积存垃圾"
        yield lambda: picker.ids.class_list.children
        yield 0.2
        tap(picker.ids.class_list.children[-1])
        assert report.class_code
        report.ids.description.text = "路口积存垃圾"
        shot("04-report-event-search")
        tap(report.ids.send)
        end_report("event by search")
        given[newest_report_id()] = (c2["lat"], c2["lon"], "exact")

        # 3, 4. Two quick reports, each confirmed, each with its own new photo and fix.
        for n, cell in ((3, cells[7]), (4, cells[8])):
            walk_to(cell["lat"], cell["lon"], 5)
            yield settled
            begin_report()
            before = len(app.outbox.items())
            tap(report.ids.quick.children[-1])
            yield lambda: getattr(report, "quick_popup", None) is not None
            popup = report.quick_popup
            yield 0.3
            if n == 3:
                shot("05-quick-confirm")
            go = [b for b in popup.walk(restrict=True)
                  if isinstance(b, Button) and b.text == "拍照并上报"][0]
            new_photo()
            tap(go)                                          # confirm; the shutter follows
            yield lambda before=before: len(app.outbox.items()) == before + 1
            end_report(f"quick {n}")
            item = app.outbox.items()[0]
            given[item.id] = (cell["lat"], cell["lon"], "exact")
            assert item.photo != report.photo_bytes
            report.quick_popup = None

        # 5. A component with a voice note: shutter, the component, hold to talk, 上报.
        yield settled
        walk_to(comp.lat - 0.00003, comp.lon + 0.00002)
        # The new fix's own lookup (the last report's "done" must not count).
        yield lambda: report.place is not None and abs(
            report.place.lat - (comp.lat - 0.00003)) < 1e-7 and report.nearby_state == "done"
        yield 0.2
        fix5 = app.gps.fix
        begin_report()
        new_photo()
        tap(report.ids.shutter, count=False)
        yield lambda: report.photo_bytes is not None
        tap(report.ids.nearby_list.children[-1])
        tap(report.ids.voice)
        assert report.voice_bytes, report.status
        shot("06-report-voice")
        tap(report.ids.send)
        end_report("component with voice")
        given[newest_report_id()] = (fix5.lat, fix5.lon, "component")

        # The tasks: a check without a photo is refused on the phone; with the card's own
        # photo it goes.
        yield settled
        nav("tasks")
        yield settled
        tasks = root.get_screen("tasks")
        yield lambda: {verify_number, check_number} <= {t.number for t in app.tasks}
        yield lambda: all(tasks.details.get(n) for n in (verify_number, check_number))
        yield 0.5
        shot("07-tasks")
        check_sizes("tasks")

        def card_buttons(number):
            for card in tasks.ids.task_list.children:
                if any(isinstance(w, Label) and number in w.text for w in card.walk(restrict=True)):
                    return {b.text: b for b in card.walk(restrict=True) if isinstance(b, Button)}
            raise AssertionError(f"no card for {number}")
        before = len(app.outbox.items())
        tap(card_buttons(check_number)["已处理"], count=False)
        assert tasks.status == "请先拍现场照片，再选择结果" and len(app.outbox.items()) == before
        feedback = [w.text for c in tasks.ids.task_list.children for w in c.walk(restrict=True)
                    if isinstance(w, Label) and w.text.startswith("处置反馈")]
        assert sum(t.startswith("处置反馈：ok") for t in feedback) == 1, feedback
        for number, result in ((check_number, "已处理"), (verify_number, "属实")):
            new_photo()
            tap(card_buttons(number)["拍现场照片"], count=False)
            yield lambda number=number: number in tasks.photos
            yield 0.2
            if number == check_number:
                shot("08-task-photo")
            tap(card_buttons(number)[result], count=False)
            yield 0.2
        assert len(app.outbox.items()) == before + 2

        # Offline: three reports wait, each arrives once when the network is back.
        yield lambda: app.outbox.pending() == 0
        link.set("down")
        offline_ids = []
        for cell in (cells[9], cells[10], cells[11]):
            walk_to(cell["lat"], cell["lon"], 7)
            yield settled
            if root.current != "report":
                yield settled
                nav("report")
                yield settled
                yield settled
            yield 0.3
            before = len(app.outbox.items())
            tap(report.ids.quick.children[-1])
            yield lambda: getattr(report, "quick_popup", None) is not None
            go = [b for b in report.quick_popup.walk(restrict=True)
                  if isinstance(b, Button) and b.text == "拍照并上报"][0]
            new_photo()
            yield 0.3
            tap(go)
            report.quick_popup = None
            yield lambda before=before: len(app.outbox.items()) == before + 1
            offline_ids.append(app.outbox.items()[0].id)
            given[offline_ids[-1]] = (cell["lat"], cell["lon"], "exact")
        yield lambda: app.net_up is False
        yield settled
        nav("outbox")
        yield settled
        yield 0.5
        shot("09-outbox-offline")
        check_sizes("outbox")
        assert "离线" in app.status_text and "待发 3" in app.status_text
        link.set("up")
        app.outbox.retry_now()
        app.queued()
        yield lambda: all(app.outbox.get(i).state == "sent" for i in offline_ids)

        # Refused by the server (outside the city): the outbox says why in Chinese; edit
        # (a new fix) and send again.
        walk_to(*OUTSIDE)
        yield settled
        nav("report")
        yield settled
        yield lambda: report.place is not None and abs(report.place.lat - OUTSIDE[0]) < 1e-6
        new_photo()
        tap(report.ids.shutter, count=False)
        yield lambda: report.photo_bytes is not None
        tap(report.ids.quick.children[-1], count=False)   # no: a quick one takes its own
        yield lambda: getattr(report, "quick_popup", None) is not None
        cancel = [b for b in report.quick_popup.walk(restrict=True) if isinstance(b, Button)
                  and b.text == "取消"][0]
        tap(cancel, count=False)
        report.quick_popup = None
        yield settled
        report.pick({"kind": "event", "code": "0103", "minor_zh": "积存垃圾渣土"})
        tap(report.ids.send, count=False)
        refused_id = newest_report_id()
        yield lambda: app.outbox.get(refused_id).state == "refused"
        yield settled
        nav("outbox")
        yield settled
        outbox = root.get_screen("outbox")
        yield 0.4
        outbox.refresh()
        texts = [w.text for w in outbox.ids.item_list.walk(restrict=True) if isinstance(w, Label)]
        assert any("位置不在本市管理范围内" in t for t in texts), texts
        shot("10-outbox-refused")
        edit = [b for b in outbox.ids.item_list.walk(restrict=True) if isinstance(b, Button)
                and b.text == "修改"][0]
        tap(edit, count=False)
        assert root.current == "report" and report.editing_item == refused_id
        yield settled
        yield 0.2
        shot("11-report-editing")
        fixed = cells[12]
        walk_to(fixed["lat"], fixed["lon"])
        tap(report.ids.locate, count=False)
        yield lambda: report.place is not None and report.place.source == "gps" and abs(
            report.place.lat - fixed["lat"]) < 1e-6
        tap(report.ids.send, count=False)
        given[refused_id] = (fixed["lat"], fixed["lon"], "exact")
        yield lambda: app.outbox.get(refused_id).state == "sent"

        # A draft (存草稿): saved with its photo and fix, found on the drafts screen, opened
        # and sent from where it was saved.
        at = cells[15]
        walk_to(at["lat"], at["lon"])
        yield lambda: report.place is not None and abs(report.place.lat - at["lat"]) < 1e-6
        new_photo()
        tap(report.ids.shutter, count=False)
        yield lambda: report.photo_bytes is not None
        report.pick({"kind": "event", "code": "0103", "minor_zh": "积存垃圾渣土"})
        report.ids.description.text = "草稿：稍后补充"
        tap(report.ids.draft, count=False)
        assert report.photo_bytes is None and len(app.drafts.list()) == 1
        walk_to(*OUTSIDE)                                  # they walk on before sending it
        yield settled
        nav("outbox")
        yield settled
        tap(root.get_screen("outbox").ids.drafts_button, count=False)
        yield settled
        drafts = root.get_screen("drafts")
        yield 0.3
        shot("12-drafts")
        check_sizes("drafts")
        [open_draft] = [b for b in drafts.ids.draft_list.walk(restrict=True)
                        if isinstance(b, Button) and b.text == "打开"]
        tap(open_draft, count=False)
        assert root.current == "report" and report.ids.description.text == "草稿：稍后补充"
        yield settled
        tap(report.ids.send, count=False)
        drafted = newest_report_id()
        given[drafted] = (at["lat"], at["lon"], "exact")
        assert app.drafts.list() == []
        yield lambda: app.outbox.get(drafted).state == "sent"

        # The map: the duty grid with its names and legend over the base map.
        nav("map")
        yield settled
        yield lambda: app.root.get_screen("map").ids.map.label_count > 0
        yield 0.5
        shot("13-map")
        check_sizes("map")
        nav("report")
        yield settled

        # A revoked token: back to sign-in, the outbox kept; signing in sends it.
        secrets.append(app.token)
        app.sender.set_token("revoked-" + uuid.uuid4().hex)
        walk_to(cells[13]["lat"], cells[13]["lon"])
        yield 0.2
        new_photo()
        before = len(app.outbox.items())
        report.quick("event", "0103", {})
        yield 0.3
        tap([b for b in report.quick_popup.walk(restrict=True) if isinstance(b, Button)
             and b.text == "拍照并上报"][0], count=False)
        report.quick_popup = None
        yield lambda: len(app.outbox.items()) == before + 1
        yield settled
        kept = app.outbox.items()[0].id
        given[kept] = (cells[13]["lat"], cells[13]["lon"], "exact")
        yield lambda: root.current == "login"
        assert "登录已失效" in login.status and app.outbox.get(kept).state == "waiting"
        yield 0.4
        shot("14-login-expired")
        login.ids.password.text = "demo-dcm-2026"
        tap(login.ids.sign_in, count=False)
        yield lambda: app.outbox.get(kept).state == "sent"
        assert app.token
        secrets.append(app.token)

        # Sign out with one item unsent: warned, the item stays.
        link.set("down")
        walk_to(cells[14]["lat"], cells[14]["lon"])
        new_photo()
        report.quick("event", "0103", {})
        yield 0.3
        tap([b for b in report.quick_popup.walk(restrict=True) if isinstance(b, Button)
             and b.text == "拍照并上报"][0], count=False)
        yield lambda: app.outbox.pending() == 1
        yield settled
        nav("duty")
        yield settled
        yield 0.4
        tap(duty.ids.logout, count=False)
        yield 0.4
        shot("15-logout-warning")
        ok = [b for b in app.open_popup.walk(restrict=True) if isinstance(b, Button)
              and b.text == "确定退出"][0]
        tap(ok, count=False)
        yield lambda: root.current == "login"
        assert "未发送的 1 条保留在手机上" in login.status and app.outbox.pending() == 1
        yield 0.4
        shot("16-signed-out")
        link.set("up")

    drive(app, script)

    print("taps per report (plus the shutter):", per_report)
    assert len(per_report) == 5 and max(per_report.values()) <= MAX_TAPS
    # Every report's position is the fix it was given (a component's: within 50 m of it).
    auth = {"Authorization": f"Token {secrets[-1]}"}
    numbers = []
    for item_id, (lat, lon, how) in given.items():
        item = app.outbox.get(item_id)
        assert item.state == "sent", (item_id, item.state, item.reason)
        got = (float(item.fields["lat"]), float(item.fields["lon"]))
        if how == "exact":
            assert metres(*got, lat, lon) < 0.05, (item_id, got, lat, lon)
        else:
            assert metres(*got, lat, lon) < 50 and item.fields.get("component_code")
        case = httpx.get(f"{live.base_url}/api/cases/{item.case_number}/", headers=auth).json()
        assert metres(case["lat"], case["lon"], *got) < 1.0
        numbers.append(item.case_number)
    assert len(numbers) == len(set(numbers)), "a report arrived twice"
    voiced = [i for i in app.outbox.items() if i.voice]
    assert len(voiced) == 1
    checked = httpx.get(f"{live.base_url}/api/cases/{check_number}/", headers=auth).json()
    assert checked["state"] == "checked"
    assert any(p["kind"] == "check" for p in checked["photos"]) or checked["photos"]
    # No secret in any log line.
    assert seen_logs, "the log capture saw nothing"
    for line in seen_logs:
        assert not any(secret in line for secret in secrets), line
    for png in sorted(shots.glob("*.png")):
        assert png.stat().st_size > 5000, png
    assert len(list(shots.glob("*.png"))) == 16

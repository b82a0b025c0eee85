"""The real Kivy app, headless, against the real server: sign in, pick a class by a Chinese
search, type a position, pick a photo file, send, see the report sent in the outbox, open the
tasks and answer a check task (核查) as fixed. Screenshots of each screen are kept under test-artifacts/mobileapp/."""

from __future__ import annotations

import time

import httpx

from bench.simulate import Simulator, make_photo


def case_waiting_for_check(base_url: str, cell: dict) -> str:
    """A case reported by the supervisor and taken through the loop up to 'checking' (核查),
    the check task assigned to the supervisor."""
    sim = Simulator(base_url)
    sim.prepare()
    r = sim.call("supervisor", "POST", "/api/reports/", data={
        "idempotency_key": "ui-check-task-1", "kind": "event", "class_code": "0103",
        "lat": str(cell["lat"]), "lon": str(cell["lon"]), "accuracy_m": "5",
        "description": "待核查 UI"}, files={"photo": ("p.jpg", make_photo(5), "image/jpeg")})
    number = r.json()["number"]
    for actor, action, expect, kw in [
            ("acceptor", "accept", "accepted", {}), ("dutychief", "file", "filed", {}),
            ("dispatcher", "dispatch", "dispatched", {"department_code": sim.department_code}),
            (sim.department_user, "dept_accept", "handling", {}),
            (sim.department_user, "feedback", "handled", {"photo": make_photo(6), "note": "ok"}),
            ("acceptor", "request_check", "checking", {"assignee": "supervisor"})]:
        sim.act(actor, number, action, expect, **kw)
    return number


def test_sign_in_report_and_see_it_sent(live, cells, tmp_path, artifacts):
    from kivy.clock import Clock
    from kivy.core.window import Window

    from mobileapp.ui.app import HandsetApp

    photo = tmp_path / "site.jpg"
    photo.write_bytes(make_photo(42))
    task_number = case_waiting_for_check(live.base_url, cells[4])
    app = HandsetApp(base_url=live.base_url, data_dir=str(tmp_path / "phone"))
    failures: list[BaseException] = []

    def shot(name: str) -> None:
        # Window.screenshot numbers its files (name0001.png); keep a stable name instead.
        made = Window.screenshot(name=str(tmp_path / f"{name}.png"))
        (tmp_path / made.rsplit("/", 1)[-1]).replace(artifacts / f"{name}.png")

    def script():
        root = app.root
        login = root.get_screen("login")
        shot("login")
        login.ids.username.text, login.ids.password.text = "supervisor", "demo-dcm-2026"
        login.sign_in(live.base_url, "supervisor", "demo-dcm-2026")
        yield lambda: root.current == "report"
        report = root.get_screen("report")
        yield lambda: len(report.classes) > 100
        report.kind = "component"
        report.ids.search.text = "雨水井盖"
        yield lambda: len(report.ids.class_list.children) == 1
        report.ids.class_list.children[0].dispatch("on_release")
        assert report.class_code == "0103"
        report.ids.position.text = f'{cells[2]["lat"]},{cells[2]["lon"]}'
        report.set_photo(str(photo))
        report.ids.description.text = "雨水井盖破损 UI test"
        yield 0.3
        shot("report")
        report.send()
        root.current = "outbox"
        outbox = root.get_screen("outbox")
        yield lambda: outbox.rows and "已发送" in outbox.rows[0]["text"]
        yield 0.5
        shot("outbox")
        report.set_photo(str(photo))  # the check's site photo
        root.current = "tasks"
        tasks = root.get_screen("tasks")
        yield lambda: len(tasks.ids.task_list.children) == 2  # fixed / not fixed
        shot("tasks")
        fixed = [b for b in tasks.ids.task_list.children if "已处理" in b.text]
        assert task_number in fixed[0].text
        fixed[0].dispatch("on_release")
        outbox = root.get_screen("outbox")
        yield lambda: len(outbox.rows) == 2 and all("已发送" in r["text"] for r in outbox.rows)

    steps = None
    waiting = {"until": None, "pred": None, "deadline": 0.0}

    def tick(dt):
        nonlocal steps
        try:
            if steps is None:
                steps = script()
            elif waiting["pred"] is not None:
                if not waiting["pred"]():
                    if time.monotonic() > waiting["deadline"]:
                        raise AssertionError("UI step timed out")
                    return
            elif waiting["until"] and time.monotonic() < waiting["until"]:
                return
            step = next(steps)
            waiting.update(pred=None, until=None)
            if callable(step):
                waiting.update(pred=step, deadline=time.monotonic() + 20)
            else:
                waiting["until"] = time.monotonic() + step
        except StopIteration:
            app.stop()
        except BaseException as exc:  # reported after the loop ends
            failures.append(exc)
            app.stop()

    Clock.schedule_interval(tick, 0.05)
    app.run()
    if failures:
        raise failures[0]
    check, item = app.outbox.items()
    assert item.state == "sent" and item.case_number
    assert check.kind == "check" and check.state == "sent" and check.case_number == task_number
    case = httpx.get(f"{live.base_url}/api/cases/{item.case_number}/",
                     headers={"Authorization": f"Token {app.token}"}).json()
    assert case["description"] == "雨水井盖破损 UI test" and case["class_code"] == "0103"
    checked = httpx.get(f"{live.base_url}/api/cases/{task_number}/",
                        headers={"Authorization": f"Token {app.token}"}).json()
    assert checked["state"] == "checked"
    for name in ("login", "report", "outbox", "tasks"):
        assert (artifacts / f"{name}.png").stat().st_size > 1000

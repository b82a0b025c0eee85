"""Task answers on the real app against the real server, in one run of the app:

* a task poll whose answer comes back late (a 3G stall: held on the link while the supervisor
  signs out, then let through) does not bring a signed-out user's tasks back; signing in
  again, the new sign-in's own poll does;
* an answer the server refuses brings its card back at once with the reason in Chinese and
  what to do; a new photo taken on the card and the answer sent again, it goes."""

from __future__ import annotations

from bench.simulate import Simulator, make_photo
from tests.mobileapp.conftest import token
from tests.mobileapp.test_mobile_live import verify_task


def test_late_polls_are_dropped_and_refused_answers_come_back(live, link, cells, tmp_path,
                                                               drive):
    import httpx
    from kivy.uix.label import Label

    from mobileapp.core.tasks import TaskInbox
    from mobileapp.platform.camera import FileCamera
    from mobileapp.ui.app import HandsetApp

    sim = Simulator(live.base_url)
    for name in ("supervisor", "acceptor"):
        sim.login(name)
    number = verify_task(sim, cells[5], "核实：迟到的任务列表")
    photo = tmp_path / "site.jpg"
    photo.write_bytes(make_photo(31))
    app = HandsetApp(base_url=link.base_url, data_dir=str(tmp_path / "phone"))
    app.camera = FileCamera(str(photo))

    def numbers() -> set[str]:
        return {t.number for t in app.tasks}

    def sign_in() -> None:
        app.signed_in(link.base_url, {"token": token(live.base_url, "supervisor"),
                                      "username": "supervisor"})

    def card_texts(screen) -> list[str]:
        return [w.text for w in screen.ids.task_list.walk(restrict=True)
                if isinstance(w, Label) and w.text]

    def script():
        yield 0.2
        sign_in()
        yield lambda: number in numbers()
        link.set("hold")                  # the answers stall on the way back
        polled = []
        app.poll_tasks(polled.append)
        yield 0.5                         # asked; the answer is held
        app.logout()
        assert app.tasks == [] and app.root.current == "login"
        link.set("up")
        yield lambda: polled              # the late answer came back and was handled
        yield 0.2
        assert polled == [None]           # the poll itself went well ...
        assert app.tasks == [] and not app.board.tasks   # ... and was not applied
        sign_in()
        yield lambda: number in numbers()

        # Refused: an answer whose photo the server cannot read.
        root = app.root
        root.current = "tasks"
        tasks = root.get_screen("tasks")
        yield lambda: tasks.details.get(number)
        [task] = [t for t in app.tasks if t.number == number]
        bad = TaskInbox(app.api, app.outbox).answer(task, "confirmed", b"not a photo")
        app.queued()
        app.refresh_tasks()
        assert number not in numbers()    # answered: the card goes while it is sent
        yield lambda: app.outbox.get(bad.id).state == "refused"
        yield lambda: number in numbers()  # ... and comes back, with why
        yield lambda: any("上次提交被拒：照片无法识别，请重拍后重发" in t
                          for t in card_texts(tasks))
        tasks.take_photo(task)
        yield lambda: number in tasks.photos
        assert tasks.answer(task, "confirmed")
        yield lambda: any(i.case_number == number and i.state == "sent"
                          for i in app.outbox.items())
        assert bad.id not in {i.id for i in app.outbox.items()}   # replaced by the new one

    drive(app, script)
    case = httpx.get(f"{live.base_url}/api/cases/{number}/",
                     headers={"Authorization": f"Token {sim.tokens['supervisor']}"}).json()
    assert case["state"] != "verifying", case["state"]

"""A task poll whose answer comes back late (a 3G stall) must not apply a signed-out
session's tasks: the real app against the real server, the answer held on the link while the
supervisor signs out, then let through. Signing in again, the tasks come back by the new
session's own poll."""

from __future__ import annotations

from bench.simulate import Simulator
from tests.mobileapp.conftest import token
from tests.mobileapp.test_mobile_live import verify_task


def test_a_late_task_poll_is_dropped_after_sign_out(live, link, cells, tmp_path, drive):
    from mobileapp.ui.app import HandsetApp

    sim = Simulator(live.base_url)
    for name in ("supervisor", "acceptor"):
        sim.login(name)
    number = verify_task(sim, cells[5], "核实：迟到的任务列表")
    app = HandsetApp(base_url=link.base_url, data_dir=str(tmp_path / "phone"))

    def numbers() -> set[str]:
        return {t.number for t in app.tasks}

    def sign_in() -> None:
        app.signed_in(link.base_url, {"token": token(live.base_url, "supervisor"),
                                      "username": "supervisor"})

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

    drive(app, script)

"""Kivy UI tests: the real app, headless (SDL offscreen, no X server), against the real
server of ../conftest.py. Kivy's event loop owns its process, so these run in their own pytest
process (``make test``: ``DCM_KIVY=1 pytest -p no:asyncio -p no:django tests/mobileapp/ui``);
the main run skips this folder. Screenshots go to test-artifacts/mobileapp/."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

if not os.environ.get("DCM_KIVY"):
    collect_ignore_glob = ["test_*.py"]
else:
    # Before any kivy import: no window system, no argv parsing, config and logs in a tmp dir.
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
    # A phone: 720×1280 pixels at density 2 (360×640 dp), the size the layout is made for.
    os.environ.setdefault("KIVY_METRICS_DENSITY", "2")
    from kivy.config import Config

    Config.set("graphics", "width", "720")
    Config.set("graphics", "height", "1280")

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "mobileapp"


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def run_script(app, script, step_timeout: float = 25.0) -> None:
    """Run ``app`` with ``script`` (a generator function) driving it from Kivy's loop.

    The script yields a number (wait that many seconds) or a predicate (wait until it is true,
    failing after ``step_timeout`` seconds, naming the script's line). The app stops when the
    script ends or fails; a failure is raised here, after the loop."""
    import time

    from kivy.clock import Clock

    failures: list[BaseException] = []
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
                        raise AssertionError(f"UI step at line {steps.gi_frame.f_lineno} "
                                             "timed out")
                    return
            elif waiting["until"] and time.monotonic() < waiting["until"]:
                return
            step = next(steps)
            waiting.update(pred=None, until=None)
            if callable(step):
                waiting.update(pred=step, deadline=time.monotonic() + step_timeout)
            else:
                waiting["until"] = time.monotonic() + step
        except StopIteration:
            # A screen transition still running enters its screen at its end, and the screen's
            # on_enter asks for the running app: let it finish before the app stops.
            transition = getattr(app.root, "transition", None)
            if transition is not None and transition.is_active:
                return
            app.stop()
            return False  # the driver ends with its app: it must not stop the next test's
        except BaseException as exc:  # reported after the loop ends
            failures.append(exc)
            app.stop()
            return False

    Clock.schedule_interval(tick, 0.05)
    try:
        app.run()
    except BaseException as late:   # raised by a callback after the script failed: the
        if failures:                 # script's failure is the one to see
            raise failures[0] from late
        raise
    if failures:
        raise failures[0]


def screenshot(tmp_path: Path, target: Path) -> None:
    """The window as ``target`` (Window.screenshot numbers its files: name0001.png)."""
    from kivy.core.window import Window

    made = Window.screenshot(name=str(tmp_path / target.name))
    (tmp_path / made.rsplit("/", 1)[-1]).replace(target)


@pytest.fixture
def drive():
    """``drive(app, script, step_timeout=25)``: see ``run_script``."""
    return run_script

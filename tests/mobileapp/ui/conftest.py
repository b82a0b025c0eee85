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

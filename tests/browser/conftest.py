"""Browser tests: Playwright's sync API driving Debian's chromium (never ``playwright install``:
it downloads a browser) against a real daphne on SpatiaLite, reached through a loopback proxy whose
link can be cut. They run in their own pytest process (``make test``: ``DCM_BROWSER=1 pytest
-p no:asyncio -p no:django tests/browser``): the sync API and pytest-asyncio clash in one.
Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("DCM_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run"]

if not os.environ.get("DCM_BROWSER"):
    # Collected only in their own process (see above); the main run skips this folder.
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    from tests.e2e.netproxy import CuttableProxy
    from tests.e2e.server_process import started_server

    with started_server("spatialite", tmp_path_factory.mktemp("browser")) as server:
        proxy = CuttableProxy(server.port)
        server.proxy = proxy
        server.page_url = f"http://127.0.0.1:{proxy.port}"
        yield server
        proxy.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM} (scripts/install-system.sh services installs it)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots():
    """save(page, name): a full-page screenshot under test-artifacts/browser/."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return save

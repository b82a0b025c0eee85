"""A report's photo cleaned later (PHOTOS_CLEAN_LATER, as scripts/serve.py runs): the
supervision center shows it as being processed, never as a broken image; once the photo
cleaner has run, the case shows the photo, and a photo the cleaner refused says so, in the
page's language. (The cleaner's push to open consoles needs Redis between processes; the
embedded server here has the in-memory layer, so the page re-opens the case instead.)"""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from bench.simulate import Simulator
from tests.browser.test_consoles import T, row, signed_in

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def later(tmp_path_factory):
    from tests.e2e.server_process import started_server

    old = os.environ.get("PHOTOS_CLEAN_LATER")
    os.environ["PHOTOS_CLEAN_LATER"] = "1"  # read into the server's environment
    try:
        with started_server("spatialite", tmp_path_factory.mktemp("later")) as server:
            server.page_url = server.base_url
            yield server
    finally:
        if old is None:
            os.environ.pop("PHOTOS_CLEAN_LATER", None)
        else:
            os.environ["PHOTOS_CLEAN_LATER"] = old


def photo(cut_scan: bool = False) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 40, 180)).save(buf, "JPEG")
    data = buf.getvalue()
    # A sound header with no image data: the request accepts it, only decoding refuses it.
    return data[:data.index(b"\xff\xda")] + b"\xff\xd9" if cut_scan else data


def report(sim, data: bytes, i: int) -> str:
    cell = sim.cells[i % len(sim.cells)]
    r = sim.call("supervisor", "POST", "/api/reports/", data={
        "idempotency_key": f"later-{i}-{id(sim)}", "kind": "component", "class_code": "0103",
        "lat": str(cell["lat"]), "lon": str(cell["lon"]), "accuracy_m": "5",
        "description": f"井盖破损 photo later {i}"},
        files={"photo": ("p.jpg", data, "image/jpeg")})
    assert r.status_code == 201, r.text
    return r.json()["number"]


def test_a_photo_is_pending_then_shown_or_refused(browser, later, shots):
    sim = Simulator(later.base_url)
    sim.prepare()
    page = signed_in(browser, later, "acceptor")
    good, bad = report(sim, photo(), 1), report(sim, photo(cut_scan=True), 2)
    row(page, good).wait_for(timeout=T)
    row(page, good).click()
    pending = page.wait_for_selector("#detail .placeholder[data-state='pending']", timeout=T)
    assert "照片处理中" in pending.inner_text()
    assert page.locator("#detail img.photo").count() == 0  # never a broken image
    shots(page, "later-1-photo-pending")

    later.manage("clean_photos", "--once")
    row(page, bad).click()
    refused = page.wait_for_selector("#detail .placeholder[data-state='refused']", timeout=T)
    assert "照片未通过" in refused.inner_text()
    assert "照片未通过" in page.inner_text("#detail .events")  # the step, in Chinese
    row(page, good).click()
    img = page.wait_for_selector("#detail img.photo", timeout=T)
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=img, timeout=T)
    assert "照片可查看" in page.inner_text("#detail .events")
    shots(page, "later-2-photo-shown")
    assert not page.errors

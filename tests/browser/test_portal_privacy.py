"""The portal's status lookup of a hotline case whose description and address carry a caller's
personal data, written the ways people write it (a landline with a space, a mobile in Chinese
numerals, an ID number, an e-mail address, the caller's name): none of it shows, the masked
text still reads as a sentence, and the page holds at 1440, 768 and 390 px in Chinese and
English. Screenshots under test-artifacts/browser/portal-privacy-*.png."""

from __future__ import annotations

import uuid

import pytest

from bench.simulate import Simulator

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
T = 15_000
CALLER = "赵丽华"
SECRETS = ("6512 3456", "一三八一二三四五六七八", "11010119900307123X", "zlh@example.org", CALLER,
           "13911112222", "0571-8888 8888")
DESC = (f"{CALLER}来电：东华门大街28号门口井盖缺失，夜间很危险。联系电话 6512 3456 或 "
        f"一三八一二三四五六七八，身份证 11010119900307123X，邮箱 zlh@example.org。")


@pytest.fixture(scope="module")
def number(live):
    sim = Simulator(live.base_url)
    sim.prepare()
    sim.login("calltaker")
    cell = sim.cells[3]
    r = sim.call("calltaker", "POST", "/api/hotline/calls/", json={
        "idempotency_key": str(uuid.uuid4()), "line": "12345", "caller_name": CALLER,
        "caller_phone": "13911112222", "address": "东华门大街28号 门卫室 0571-8888 8888",
        "kind": "event", "class_code": "0101", "description": DESC,
        "lat": cell["lat"], "lon": cell["lon"]})
    assert r.status_code == 201, r.text
    return r.json()["number"]


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
@pytest.mark.parametrize("width", [1440, 768, 390])
def test_the_status_lookup_shows_the_description_masked(live, browser, shots, number, locale,
                                                        width):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live.page_url}/portal/", timeout=T)
        page.fill("input[name=number]", number)
        page.click("#lookup button")
        page.wait_for_selector("#status p", timeout=T)
        status = page.inner_text("#status")
        masked = "夜间很危险。联系电话 *** 或 ***，身份证 ***，邮箱 ***。"
        assert masked in status and status.count("***") == 6, status
        html = page.content()
        assert not any(s in html for s in SECRETS), [s for s in SECRETS if s in html]
        # The masked text wraps inside the page: nothing scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shots(page, f"portal-privacy-{locale}-{width}")
    finally:
        context.close()

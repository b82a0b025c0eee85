"""One case carried through the consoles in a real browser: the supervision center (live queue,
keyboard shortcut), the command center (dispatch to the suggested department), the department
terminal (alert, take on, feed back with a photo), the dashboard (live counts, ECharts, the
heat map), in Chinese; then a terminal whose link dies catches up by itself when it returns;
then the English pages.
"""

from __future__ import annotations

import io
import re

import httpx
import pytest
from PIL import Image

from bench.simulate import Simulator
from tests.browser.pages import log_in, new_page

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
T = 15_000  # ms: every wait below is for a push, not for a poll


@pytest.fixture(scope="module")
def sim(live):
    s = Simulator(live.base_url)
    s.prepare()
    return s


def signed_in(browser, live, username, lang="zh-CN"):
    """Signed in, on the role's home console, live."""
    page = new_page(browser, locale=lang)
    log_in(page, live, username)
    page.wait_for_selector("body[data-ready='1']", timeout=T)
    page.wait_for_selector("#live[data-state='live']", timeout=T)
    return page


def row(page, number):
    return page.locator(f"#queue tr[data-number='{number}']")


def wait_state(page, number, state):
    page.wait_for_selector(f"#queue tr[data-number='{number}'][data-state='{state}']",
                           state="attached", timeout=T)


def report(sim, i=1) -> str:
    cell = sim.cells[i % len(sim.cells)]
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 40, 40)).save(buf, "JPEG")
    r = sim.call("supervisor", "POST", "/api/reports/", data={
        "idempotency_key": f"browser-{i}-{id(sim)}", "kind": "component", "class_code": "0103",
        "lat": str(cell["lat"]), "lon": str(cell["lon"]), "accuracy_m": "5",
        "description": f"井盖破损 broken manhole cover {i}"},
        files={"photo": ("p.jpg", buf.getvalue(), "image/jpeg")})
    assert r.status_code == 201, r.text
    return r.json()["number"]


def test_one_case_across_the_consoles(browser, live, sim, shots, tmp_path):
    acceptor = signed_in(browser, live, "acceptor")
    chief = signed_in(browser, live, "dutychief")
    dispatcher = signed_in(browser, live, "dispatcher")
    dept = signed_in(browser, live, sim.department_user)
    leader = signed_in(browser, live, "leader")
    assert "监督中心" in acceptor.inner_text("h1") and "待办" in acceptor.inner_text("#tabs")

    number = report(sim)
    wait_state(acceptor, number, "reported")  # pushed, no reload
    row(acceptor, number).click()
    acceptor.wait_for_selector("#detail img.photo", timeout=T)  # the report's photo
    assert number in acceptor.inner_text("#detail h2")
    shots(acceptor, "1-supervision-new-report")
    acceptor.keyboard.press("a")  # accept: its shortcut letter
    acceptor.wait_for_selector("#act[open]", timeout=T)
    acceptor.click("#act-ok")
    wait_state(acceptor, number, "accepted")

    wait_state(chief, number, "accepted")
    row(chief, number).locator("button[data-action='file']").click()
    chief.click("#act-ok")
    wait_state(chief, number, "filed")

    wait_state(dispatcher, number, "filed")
    row(dispatcher, number).click()
    row(dispatcher, number).locator("button[data-action='dispatch']").click()
    dispatcher.wait_for_selector("#act[open] select[name=department_code]", timeout=T)
    dispatcher.select_option("#act select[name=department_code]", sim.department_code)
    shots(dispatcher, "2-command-dispatch")
    dispatcher.click("#act-ok")
    wait_state(dispatcher, number, "dispatched")
    assert dispatcher.locator(f"#queue tr[data-number='{number}'] .light").count() == 1

    dept.wait_for_selector("#alert:not([hidden])", timeout=T)  # the alert on a new case
    assert number in dept.inner_text("#alert")
    shots(dept, "3-department-alert")
    wait_state(dept, number, "dispatched")
    row(dept, number).locator("button[data-action='dept_accept']").click()
    dept.click("#act-ok")
    wait_state(dept, number, "handling")
    photo = tmp_path / "after.jpg"
    Image.new("RGB", (2000, 1500), (40, 160, 40)).save(photo, "JPEG")
    row(dept, number).locator("button[data-action='feedback']").click()
    dept.set_input_files("#act input[name=photo]", str(photo))  # shrunk in the page first
    dept.fill("#act input[name=note]", "已更换井盖")
    dept.click("#act-ok")
    wait_state(dept, number, "handled")

    wait_state(acceptor, number, "handled")
    row(acceptor, number).locator("button[data-action='request_check']").click()
    acceptor.click("#act-ok")
    wait_state(acceptor, number, "checking")
    check_as_assignee(sim, number)
    wait_state(chief, number, "checked")
    row(chief, number).locator("button[data-action='close']").click()
    chief.click("#act-ok")
    wait_state(chief, number, "closed")

    leader.wait_for_function(
        "() => [...document.querySelectorAll('#by-state tr')].some("
        "tr => tr.dataset.state === 'closed' && tr.innerText.trim().endsWith('1'))", timeout=T)
    assert leader.locator("#chart-states canvas").count() >= 1  # ECharts drew
    # The cells layer (our GeoJSON, no tile server) is drawn and heated by the case's cell.
    leader.wait_for_function("() => DCM.map && Object.keys(DCM.map.cellLayers || {}).length > 0",
                             timeout=T)
    assert leader.locator("#map .leaflet-overlay-pane canvas").count() >= 1
    # Under the cells, the base map the system renders and serves itself (streets and names).
    leader.wait_for_selector("#map img.leaflet-tile-loaded", state="attached", timeout=T)
    shots(leader, "4-dashboard")
    for page in (acceptor, chief, dispatcher, dept, leader):
        assert page.errors == [], page.errors
        page.context.close()


def check_as_assignee(sim, number):
    detail = sim.call("dispatcher", "GET", f"/api/cases/{number}/").json()
    supervisors = {s["id"]: s["username"] for s in
                   sim.call("acceptor", "GET", "/api/console/supervisors/").json()}
    who = supervisors.get(detail.get("assignee_id"), "supervisor")
    if who not in sim.tokens:
        sim.login(who)
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 40, 160)).save(buf, "JPEG")
    r = sim.call(who, "POST", f"/api/cases/{number}/actions/check/", data={"result": "fixed"},
                 files={"photo": ("c.jpg", buf.getvalue(), "image/jpeg")})
    assert r.status_code == 200, r.text


def _pairs(ids):
    out = []
    for i in sorted(set(ids)):
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def test_a_terminal_that_loses_its_link_catches_up(browser, live, sim, shots):
    page = signed_in(browser, live, "dispatcher")
    first = report(sim, 2)
    wait_state(page, first, "reported")
    live.proxy.link_down()  # the page's socket dies and cannot reconnect
    page.wait_for_selector("#live[data-state='offline'], #live[data-state='connecting']",
                           timeout=T)
    shots(page, "5-offline")
    # Meanwhile, through the server directly: a new case and a step on the first.
    second = report(sim, 3)
    sim.act("acceptor", first, "accept", "accepted")
    page.wait_for_timeout(1500)
    assert row(page, second).count() == 0
    live.proxy.link_up()
    wait_state(page, second, "reported")  # replayed by resume, without a reload
    wait_state(page, first, "accepted")
    page.wait_for_selector("#live[data-state='live']", timeout=T)
    assert re.search(r"\(\+\d+\)", page.inner_text("#live"))  # it says it caught up
    shots(page, "6-caught-up")
    # What the page names in its next resume: every id it received, as sorted [lo, hi] pairs
    # (a gap among them is what the server re-sends).
    got = page.evaluate("Array.from(DCM.live.seen.keys())")
    msg = page.evaluate("DCM.live.resumeMessage()")
    assert msg["seen_ranges"] == [list(p) for p in _pairs(got)] and msg["seen"] == got
    assert page.evaluate("DCM.idRanges([9, 3, 4, 5, 7, 4], 5)") == [[3, 5], [7, 7], [9, 9]]
    assert page.evaluate("DCM.idRanges([9, 3, 4, 5, 7, 4], 2)") == [[7, 7], [9, 9]]
    assert page.errors == [], page.errors
    page.context.close()


def test_english_on_request(browser, live, sim, shots):
    page = signed_in(browser, live, "acceptor", lang="en-GB")
    assert "Supervision center" in page.inner_text("h1")
    page.click("#langform button[value='zh-hans']")
    page.wait_for_selector("body[data-ready='1']", timeout=T)
    assert "监督中心" in page.inner_text("h1")
    page.click("#langform button[value='en']")
    page.wait_for_selector("body[data-ready='1']", timeout=T)
    assert "To do" in page.inner_text("#tabs")
    shots(page, "7-english")
    assert httpx.get(live.page_url + "/static/vendor/leaflet/leaflet.js").status_code == 200
    page.context.close()

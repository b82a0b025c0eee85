"""Finding and reading a case in a real browser, at 1440, 768 and 390 px, in Chinese and
English: a case found by the search and opened on its own page (the dispatcher's note shown with
its step, a comment (批转意见) arriving live with its actor's post), the department terminal
used at phone width (every button on screen; an urge (督办) arriving live as a banner and a
highlighted row until acknowledged, the acknowledgement (督办已阅) dropping it from the
department's other screen too and shown in the duty chief's story), a lost session sent to the
login page, and logout landing on the login page. Screenshots in test-artifacts/browser/."""

from __future__ import annotations

import pytest

from bench.simulate import DEMO_PASSWORD, Simulator
from tests.browser.pages import log_in, new_page, switch_to_english
from tests.browser.test_consoles import T, report

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
NOTE = "请今天内处理，注意行人安全"
URGE = "市民多次来电，今天下班前处理完"


@pytest.fixture(scope="module")
def sim(live):
    s = Simulator(live.base_url)
    s.prepare()
    return s


@pytest.fixture(scope="module")
def dispatched(sim):
    """A case dispatched to the simulator's department with a note from the dispatcher."""
    number = report(sim, 91)
    for who, action, body in (("acceptor", "accept", {}), ("dutychief", "file", {}),
                              ("dispatcher", "dispatch", {"department_code": sim.department_code,
                                                          "note": NOTE})):
        r = sim.call(who, "POST", f"/api/cases/{number}/actions/{action}/", json=body)
        assert r.status_code == 200, r.text
    return number


def signed_in(browser, live, username, width, lang):
    page = new_page(browser, locale="zh-CN" if lang == "zh" else "en-GB", width=width,
                    height=1080 if width > 1000 else 900)
    log_in(page, live, username)
    if lang == "en":
        switch_to_english(page)
    return page


@pytest.mark.parametrize("width,lang", [(1440, "zh"), (390, "en")])
def test_a_case_found_by_search_and_opened(browser, live, sim, dispatched, shots, width,
                                           lang):
    page = signed_in(browser, live, "dispatcher", width, lang)
    page.goto(live.page_url + "/console/command/?tab=all")
    page.wait_for_selector("body[data-ready='1']", timeout=T)
    page.fill("#search input[name=q]", dispatched[-6:])
    page.press("#search input[name=q]", "Enter")
    # The found case alone: the queue before the search may also hold one row (another case).
    page.wait_for_function(
        "(n) => { const rows = document.querySelectorAll('#queue tbody tr');"
        " return rows.length === 1 && rows[0].dataset.number === n; }",
        arg=dispatched, timeout=T)
    assert f"q={dispatched[-6:]}" in page.url  # the search is a link
    row = page.locator(f"#queue tr[data-number='{dispatched}']")
    if width >= 1440:  # every column on screen, the buttons included
        cell = row.locator("td.c-left")
        cell.wait_for(state="visible", timeout=T)
        # A push may re-render the row between finding it and measuring it: measure the new one.
        box = page.wait_for_function(
            "(n) => { const c = document.querySelector(`#queue tr[data-number='${n}'] td.c-left`);"
            " if (!c) return null; const r = c.getBoundingClientRect();"
            " return r.width > 0 ? {x: r.x, width: r.width} : null; }",
            arg=dispatched, timeout=T).json_value()
        assert box["x"] + box["width"] <= width, box
    shots(page, f"search-{width}-{lang}")
    row.locator("td.c-num a").click()
    page.wait_for_selector("body[data-page='case'][data-ready='1']", timeout=T)
    story = page.inner_text("#detail")
    assert NOTE in story  # the dispatcher's note, with its step
    dispatch = page.locator("ol.events li[data-action='dispatch']")
    assert NOTE in dispatch.inner_text()
    assert page.locator("ol.events li[data-action='report'] img.photo").count() == 1
    words = ("派遣", "派遣员", "街道") if lang == "zh" else ("Dispatch", "Dispatcher", "Place")
    for word in words:
        assert word in story, (word, story)
    if lang == "zh":  # no English field labels in the Chinese page
        for english in ("Place", "Channel", "Note", "overdue", "left"):
            assert english not in story, (english, story)
    # A comment (批转意见) by the department reaches the open page, with who wrote it.
    words = f"已安排人员 {width} {lang}"
    r = sim.call(sim.department_user, "POST", f"/api/cases/{dispatched}/actions/comment/",
                 json={"note": words})
    assert r.status_code == 200, r.text
    step = page.locator("ol.events li[data-action='comment']", has_text=words)
    step.wait_for(timeout=T)
    assert ("批转意见" if lang == "zh" else "Comment") in step.inner_text()
    assert ("专业部门" if lang == "zh" else "Department") in step.inner_text()
    shots(page, f"case-{width}-{lang}")
    assert page.errors == []
    page.context.close()


def test_the_department_terminal_at_phone_width(browser, live, sim, dispatched, shots):
    page = signed_in(browser, live, sim.department_user, 390, "zh")
    page.goto(live.page_url + "/console/department/")
    page.wait_for_selector("body[data-ready='1']", timeout=T)
    row = page.locator(f"#queue tr[data-number='{dispatched}']")
    row.wait_for(timeout=T)
    # The same department at its desk, in English: the urge shows there too until read here.
    desk = signed_in(browser, live, sim.department_user, 1440, "en")
    desk.goto(live.page_url + "/console/department/")
    desk.wait_for_selector("body[data-ready='1']", timeout=T)
    # The command centre urges (督办): a banner with its words and a highlighted row, live,
    # until someone here says "got it".
    r = sim.call("dispatcher", "POST", f"/api/cases/{dispatched}/actions/urge/",
                 json={"note": URGE, "level": "high"})
    assert r.status_code == 200, r.text
    urge = page.locator(f"#urges .urge[data-number='{dispatched}']", has_text=URGE)
    urge.wait_for(timeout=T)
    assert "重点督办" in urge.inner_text()
    page.locator(f"#queue tr.urged[data-number='{dispatched}'] .urged-badge").wait_for(timeout=T)
    ack = urge.locator("button.ack").bounding_box()
    assert ack and ack["x"] + ack["width"] <= 390, ack
    shots(page, "department-urged-390-zh")
    desk.locator(f"#urges .urge[data-number='{dispatched}']", has_text=URGE).wait_for(timeout=T)
    urge.locator("button.ack").click()
    page.locator(f"#queue tr[data-number='{dispatched}']:not(.urged)").wait_for(timeout=T)
    assert page.locator("#urges").is_hidden()
    # read on the phone: the desk drops it live, and a page loaded afresh knows it
    desk.locator(f"#queue tr[data-number='{dispatched}']:not(.urged)").wait_for(timeout=T)
    desk.wait_for_selector("#urges", state="hidden", timeout=T)
    shots(desk, "department-acknowledged-1440-en")
    desk.reload()
    desk.wait_for_selector("body[data-ready='1']", timeout=T)
    assert desk.locator("#urges").is_hidden()
    assert desk.locator(f"#queue tr.urged[data-number='{dispatched}']").count() == 0
    assert desk.errors == []
    desk.context.close()
    # The duty chief reads in the story who read the urge, and when.
    chief = signed_in(browser, live, "dutychief", 768, "zh")
    chief.goto(live.page_url + f"/console/case/{dispatched}/")
    chief.wait_for_selector("body[data-page='case'][data-ready='1']", timeout=T)
    step = chief.locator("ol.events li[data-action='urge']", has_text=URGE)
    assert "已阅：" in step.locator(".entered.acknowledged").inner_text()
    assert "部门已阅" in chief.inner_text("#detail dl")
    shots(chief, "case-acknowledged-768-zh")
    assert chief.errors == []
    chief.context.close()
    button = row.locator("button[data-action='dept_accept']")
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert box["height"] >= 28  # big enough to tap
    assert row.bounding_box()["width"] > 300  # a card across the screen, not a squeezed column
    shots(page, "department-390-zh")
    button.click()
    page.click("#act-ok")
    page.wait_for_selector(f"#queue tr[data-number='{dispatched}'][data-state='handling']",
                           state="attached", timeout=T)
    assert page.errors == []
    page.context.close()


def test_logout_and_a_lost_session_land_on_the_login_page(browser, live, shots):
    page = signed_in(browser, live, "acceptor", 1440, "zh")
    page.goto(live.page_url + "/console/supervision/")
    page.wait_for_selector("#live[data-state='live']", timeout=T)
    # The session ends elsewhere (another tab logs out): this page goes to the login page.
    other = page.context.new_page()
    other.goto(live.page_url + "/console/supervision/")
    other.click("header form[action$='/logout/'] button")
    other.wait_for_url("**/accounts/login/**", timeout=T)
    assert other.locator("input[name=username]").count() == 1
    page.evaluate("DCM.live.drop()")
    page.wait_for_url("**/accounts/login/?next=*", timeout=T)
    shots(page, "lost-session-login")
    # A page the role may not use: 403 with the menu and the reason.
    page.fill("input[name=username]", "calltaker")
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("header nav.menu a[href='/hotline/']").count() == 1
    page.goto(live.page_url + "/console/department/")
    assert page.locator("header nav.menu a").count() >= 2
    assert "部门" in page.inner_text(".refusal .reason")
    shots(page, "403-calltaker-zh")
    page.context.close()

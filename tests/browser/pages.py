"""Signing in from a browser page, shared by the browser tests.

``log_in`` fills the sign-in form and waits for the navigation its click starts: a ``goto``
issued while the sign-in's redirect (or the language switch's) is still on its way is
interrupted by it, so every click that navigates is awaited as a navigation."""

from __future__ import annotations

from bench.simulate import DEMO_PASSWORD


def log_in(page, live, username: str) -> None:
    """Sign ``username`` in on ``page`` (the demo password); returns once the redirect landed."""
    page.goto(live.page_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def new_page(browser, *, locale: str = "zh-CN", width: int = 1400, height: int = 900):
    """A page in a fresh context; ``page.errors`` collects its script errors."""
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def switch_to_english(page) -> None:
    """The page's language switch, as a person uses it; returns once the page is in English."""
    with page.expect_navigation():
        page.click("#langform button[value='en']")
    page.wait_for_function("document.documentElement.lang.startsWith('en')")

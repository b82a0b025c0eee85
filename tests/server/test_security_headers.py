"""Every answer carries the Content-Security-Policy (server/content_policy.py: no inline script
or style, the page's own websocket allowed), X-Content-Type-Options and Referrer-Policy: pages,
the API, errors and static files alike."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/portal/", "/api/health/", "/api/me/",
                                  "/no-such-page/", "/open311/v2/services.json",
                                  "/api/docs/"])
def test_security_headers_on_every_answer(path):
    r = Client().get(path)
    csp = r.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp, csp
    assert "'unsafe-inline'" not in csp
    assert "connect-src 'self' ws://testserver" in csp
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    assert r.headers.get("Referrer-Policy") == "same-origin"


@pytest.mark.django_db
def test_secure_pages_allow_only_the_secure_websocket():
    csp = Client().get("/accounts/login/", secure=True).headers["Content-Security-Policy"]
    assert "wss://testserver" in csp and "ws://testserver" not in csp


@pytest.mark.django_db
def test_a_bad_host_still_gets_a_policy_and_no_5xx():
    r = Client(HTTP_HOST="evil.example:99999").get("/accounts/login/")
    assert r.status_code == 400
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]

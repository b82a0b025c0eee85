"""Login throttling, token revocation for a lost handset, and the audit trail."""

from __future__ import annotations

from django.core.cache import cache

from server.accounts.models import AuthAudit
from server.maps.demo_loader import DEMO_PASSWORD


def _login(client, username, password):
    """POST to the token endpoint; all from the test client's one address."""
    return client.post("/api/auth/token/", {"username": username, "password": password},
                       content_type="application/json")


def test_failed_logins_are_recorded_and_then_throttled(cast, client):
    cache.clear()
    for _ in range(10):
        assert _login(client, "dispatcher", "wrong").status_code == 400
    r = _login(client, "dispatcher", DEMO_PASSWORD)  # right password, but locked out now
    assert r.status_code == 429 and "too many failed logins" in r.json()["error"]["message"]
    assert AuthAudit.objects.filter(auth_event="login_failed", username="dispatcher").count() == 11
    # another user at the same address is not locked out by someone else's mistakes
    assert _login(client, "acceptor", DEMO_PASSWORD).status_code == 200
    cache.clear()
    assert _login(client, "dispatcher", DEMO_PASSWORD).status_code == 200
    assert AuthAudit.objects.filter(auth_event="login", username="dispatcher").exists()


def test_one_address_is_locked_after_many_failures_across_usernames(cast, client):
    from server.accounts.audit import ADDRESS_FAILURE_LIMIT

    cache.clear()
    for i in range(ADDRESS_FAILURE_LIMIT):
        _login(client, f"guess{i}", "wrong")
    assert _login(client, "acceptor", DEMO_PASSWORD).status_code == 429
    cache.clear()


def test_permission_failures_are_recorded(cast):
    r = cast["dept_roads"].get("/console/command/")
    assert r.status_code in (302, 403)
    r = cast["leader"].post("/api/reports/", {}, format="json")
    assert r.status_code == 403
    audit = AuthAudit.objects.filter(auth_event="denied", username="leader").get()
    assert (audit.path, audit.status, audit.method) == ("/api/reports/", 403, "POST")
    cast["anonymous"].get("/api/cases/")
    assert AuthAudit.objects.filter(auth_event="denied", status=401, path="/api/cases/").exists()


def test_a_lost_handset_token_is_revoked(cast):
    sup = cast["supervisor"]
    assert sup.get("/api/me/").status_code == 200
    r = cast["acceptor"].post("/api/auth/revoke/", {"username": "supervisor"}, format="json")
    assert r.status_code == 403
    r = cast["dutychief"].post("/api/auth/revoke/", {"username": "supervisor"}, format="json")
    assert r.status_code == 200 and r.json()["revoked"] == 1
    assert sup.get("/api/me/").status_code == 401
    assert AuthAudit.objects.filter(auth_event="revoked", username="supervisor").exists()
    r = cast["dutychief"].post("/api/auth/revoke/", {"username": "nobody"}, format="json")
    assert r.status_code == 404 and r.json()["error"]["field"] == "username"


def test_own_token_revocation(cast):
    r = cast["dispatcher"].post("/api/auth/revoke/", {}, format="json")
    assert r.status_code == 200 and r.json()["username"] == "dispatcher"
    assert cast["dispatcher"].get("/api/me/").status_code == 401


def test_a_token_is_checked_on_every_request_and_refused_in_drfs_words(cast):
    """DRF's own token authentication: an unknown token and an inactive user are refused."""
    from server.accounts.models import User

    orm = User.objects.get(username="supervisor")
    r = cast["supervisor"].get("/api/me/")
    assert r.status_code == 200 and r.json()["username"] == "supervisor"
    bad = cast["anonymous"].get("/api/me/", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert bad.status_code == 401 and "Invalid token" in bad.content.decode()
    assert bad["WWW-Authenticate"] == "Token"
    User.objects.filter(pk=orm.pk).update(is_active=False)
    r = cast["supervisor"].get("/api/me/")
    assert r.status_code == 401 and "inactive" in r.content.decode()

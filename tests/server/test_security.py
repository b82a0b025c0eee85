"""Token revocation for a lost handset and the audit trail (login backoff, token expiry and
the client's address: tests/server/accounts/)."""

from __future__ import annotations

from server.accounts.models import AuthAudit


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

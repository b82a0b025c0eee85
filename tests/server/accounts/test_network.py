"""The client's address (X-Forwarded-For only from trusted proxies) and what logs keep of a
request (secrets redacted), and the per-address limits that depend on them."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from server.accounts.models import AuthAudit
from server.accounts.network import client_address, logged_path

rf = RequestFactory()


def request(peer="203.0.113.9", forwarded=None, path="/x/"):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get(path, **extra)


@pytest.mark.parametrize(("proxies", "peer", "forwarded", "client"), [
    ([], "203.0.113.9", "1.2.3.4", "203.0.113.9"),  # nobody trusted: the header is ignored
    (["10.0.0.0/8"], "203.0.113.9", "1.2.3.4", "203.0.113.9"),  # not from a proxy
    (["10.0.0.0/8"], "10.0.0.5", "1.2.3.4", "1.2.3.4"),
    # the client wrote its own header: the right-most untrusted hop is the one the proxy saw
    (["10.0.0.0/8"], "10.0.0.5", "6.6.6.6, 1.2.3.4", "1.2.3.4"),
    (["10.0.0.0/8"], "10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.7", "1.2.3.4"),  # two proxies
    (["10.0.0.0/8"], "10.0.0.5", "10.0.0.8, 10.0.0.7", "10.0.0.8"),  # all trusted
    (["10.0.0.0/8"], "10.0.0.5", "1.2.3.4, garbage", "10.0.0.5"),  # garbage stops the walk
    (["10.0.0.0/8"], "10.0.0.5", None, "10.0.0.5"),
    (["::1/128"], "::1", "2001:db8::1", "2001:db8::1"),
])
def test_client_address(settings, proxies, peer, forwarded, client):
    settings.TRUSTED_PROXIES = proxies
    assert client_address(request(peer, forwarded)) == client


def test_secrets_are_redacted_from_logged_paths():
    r = request(path="/open311/v2/requests.json?api_key=SECRET&status=open&token=T0K&password=pw")
    path = logged_path(r)
    assert "SECRET" not in path and "T0K" not in path and "pw" not in path.split("?")[1]
    assert "status=open" in path and "api_key=***" in path


def test_a_rotating_forwarded_header_does_not_reset_the_portal_limit(cast, client, settings):
    settings.EXTERNAL_RATES = {"portal": "3/min"}
    cache.clear()
    codes = [client.get("/api/portal/closed/", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
             for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    # behind a trusted proxy, its header names the client
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    assert client.get("/api/portal/closed/", HTTP_X_FORWARDED_FOR="198.51.100.99",
                      REMOTE_ADDR="127.0.0.1").status_code == 200
    cache.clear()


def test_open311_writes_are_counted_by_key_and_reads_by_address(cast, client, settings):
    from tests.server.open311.test_open311_post import form

    settings.EXTERNAL_RATES = {"public_read": "2/min", "open311_write": "2/min"}
    cache.clear()
    assert [client.get("/open311/v2/services.json").status_code for _ in range(3)] == \
        [200, 200, 429]
    # the address's reads are used up; an integrator's key still has its writes
    codes = [client.post("/open311/v2/requests.json", form()).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    cache.clear()


def test_the_request_log_redacts_secrets(cast, client, caplog):
    cache.clear()
    with caplog.at_level(logging.INFO, logger="dcm.external"):
        client.get("/open311/v2/services.json?api_key=SECRETKEY&token=SECRETTOKEN")
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "dcm.external"]
    assert lines and not any("SECRET" in line for line in lines)


def test_audit_paths_have_no_secrets(cast):
    cast["anonymous"].get("/api/cases/?api_key=SECRETKEY&state=new")
    cast["leader"].post("/api/reports/?token=SECRETTOKEN", {}, format="json")
    paths = list(AuthAudit.objects.values_list("path", flat=True))
    assert "/api/cases/?api_key=***&state=new" in paths
    assert not any("SECRET" in p for p in paths)


def test_anonymous_refusals_are_folded(cast, settings):
    from server.accounts.audit import FOLD_PATHS

    anon = cast["anonymous"]
    for _ in range(50):
        assert anon.get("/api/cases/").status_code == 401
    row = AuthAudit.objects.get(auth_event="denied", path="/api/cases/")
    assert row.count == 50 and row.status == 401
    for i in range(3 * FOLD_PATHS):
        anon.get(f"/api/cases/{i}/")
    rows = AuthAudit.objects.filter(auth_event="denied", user__isnull=True)
    assert rows.count() <= FOLD_PATHS + 1
    assert sum(rows.values_list("count", flat=True)) == 50 + 3 * FOLD_PATHS
    # another address has rows of its own; a signed-in refusal is one row each
    anon.get("/api/cases/", REMOTE_ADDR="192.0.2.7")
    assert AuthAudit.objects.filter(ip="192.0.2.7").count() == 1
    for _ in range(2):
        cast["leader"].post("/api/reports/", {}, format="json")
    assert AuthAudit.objects.filter(username="leader", auth_event="denied").count() == 2

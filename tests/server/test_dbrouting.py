"""Read routing to a hot standby (server/dbrouting.py) and the standby's lag endpoint.

The test settings give PostgreSQL a ``standby`` alias mirroring the test database (a second
connection to the same database): which connection ran a query shows where it was routed.
"""

import pytest
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from server.accounts.models import User
from server.cases.models import Case
from server.dbrouting import STANDBY, STANDBY_ROUTES, StandbyRouter, standby_reads

pytestmark = [
    pytest.mark.skipif(STANDBY not in connections.settings,
                       reason="the standby alias exists on PostgreSQL only"),
    pytest.mark.django_db(databases=["default", STANDBY]),
]
ROUTED = override_settings(STANDBY_READS=True)


@pytest.fixture(autouse=True)
def _close_standby():
    """The test client leaves connections open; an open mirror session would stop the test
    database from being dropped at the end of the run."""
    yield
    connections[STANDBY].close()


def _queries(method, path, client):
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections[STANDBY]) as standby:
        response = getattr(client, method)(path)
    return response, [q["sql"] for q in primary], [q["sql"] for q in standby]


@ROUTED
def test_a_listed_read_only_route_reads_the_standby_and_identity_stays_on_the_primary(cast):
    response, primary, standby = _queries("get", "/api/evaluation/rankings/", cast["leader"])
    assert response.status_code == 200, response.content
    assert standby, "the rankings read nothing from the standby"
    # Cases may join their departments there; who the caller is is looked up on the primary.
    assert not any('FROM "accounts_' in sql or "django_session" in sql for sql in standby)
    assert any('FROM "accounts_' in sql for sql in primary), "the token was not checked there"


@ROUTED
def test_routes_not_listed_and_writes_read_the_primary(cast, report):
    number = report()
    for path in ("/api/cases/", f"/api/cases/{number}/"):
        response, primary, standby = _queries("get", path, cast["supervisor"])
        assert response.status_code == 200, response.content
        assert standby == [] and primary, path
    assert "api-cases" not in STANDBY_ROUTES and "open311-token" not in STANDBY_ROUTES


def test_without_a_standby_configured_nothing_is_routed(cast):
    response, primary, standby = _queries("get", "/api/evaluation/rankings/", cast["leader"])
    assert response.status_code == 200
    assert standby == [] and primary


@ROUTED
def test_within_standby_reads_writes_still_go_to_the_primary():
    router = StandbyRouter()
    with standby_reads():
        assert router.db_for_read(Case) == STANDBY
        assert router.db_for_read(User) is None  # identity: the primary
        assert router.db_for_write(Case) == "default"
    assert router.db_for_read(Case) is None
    assert router.allow_migrate(STANDBY, "cases") is False


def test_standby_lag_is_for_superusers_and_names_a_standby_that_is_not_one(cast):
    assert cast["leader"].get("/api/health/standby/").status_code == 403
    User.objects.filter(username="leader").update(is_staff=True)  # a map keeper's status
    assert cast["leader"].get("/api/health/standby/").status_code == 403
    User.objects.filter(username="leader").update(is_superuser=True)
    response = cast["leader"].get("/api/health/standby/")
    # The test "standby" is the test database itself: a primary, not in recovery.
    assert response.status_code == 503
    body = response.json()
    assert body["configured"] is True and "not in recovery" in body["error"]


def test_plain_health_touches_no_database(client):
    response, primary, standby = _queries("get", "/api/health/", client)
    assert response.json() == {"ok": True} and primary == [] and standby == []


@ROUTED
def test_only_get_and_head_of_a_listed_route_are_marked(rf):
    from server.dbrouting import StandbyReadsMiddleware

    seen = []
    middleware = StandbyReadsMiddleware(lambda request: seen.append(
        StandbyRouter().db_for_read(Case)))
    for method, path in (("get", "/api/evaluation/rankings/"), ("head", "/portal/"),
                         ("post", "/api/evaluation/export/"), ("get", "/api/cases/"),
                         ("get", "/no/such/page/")):
        middleware(getattr(rf, method)(path))
    assert seen == [STANDBY, STANDBY, None, None, None]

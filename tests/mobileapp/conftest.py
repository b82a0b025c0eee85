"""Fixtures of the handset tests: one real server (SpatiaLite, demo city, daphne) for the whole
directory, a switchable link in front of it, and supervisor tokens."""

from __future__ import annotations

import httpx
import pytest

from tests.mobileapp.link import Link

PASSWORD = "demo-dcm-2026"


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    from tests.e2e.server_process import started_server

    with started_server("spatialite", tmp_path_factory.mktemp("mobile-live")) as server:
        yield server


def token(base_url: str, username: str) -> str:
    r = httpx.post(base_url + "/api/auth/token/", json={"username": username,
                                                       "password": PASSWORD})
    r.raise_for_status()
    return r.json()["token"]


@pytest.fixture(scope="session")
def sup_token(live):
    return token(live.base_url, "supervisor")


@pytest.fixture(scope="session")
def cells(live, sup_token):
    r = httpx.get(live.base_url + "/api/map/cells/",
                  headers={"Authorization": f"Token {sup_token}"})
    return r.json()["cells"]


@pytest.fixture
def link(live):
    lk = Link(live.port)
    yield lk
    lk.close()


def server_case_count(base_url: str, tok: str) -> int:
    """The supervisor's cases as the server counts them (reports + tasks)."""
    r = httpx.get(base_url + "/api/cases/", params={"limit": 1},
                  headers={"Authorization": f"Token {tok}"})
    r.raise_for_status()
    return r.json()["count"]

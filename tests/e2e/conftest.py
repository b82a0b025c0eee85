"""The real-server fixture of the end-to-end tests: the project's server on a fresh database
(migrated, demo city loaded), once per module and backend: SpatiaLite always, PostGIS with
Redis when DATABASE_URL names a PostGIS server (as ``make test`` arranges)."""

import pytest

from tests.e2e.server_process import backends, started_server


@pytest.fixture(scope="module", params=backends())
def live(request, tmp_path_factory):
    with started_server(request.param, tmp_path_factory.mktemp(f"e2e-{request.param}")) as s:
        s.backend = request.param
        yield s

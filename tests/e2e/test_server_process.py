"""``wait_for_http``, the start-up wait of the e2e servers and the benches' servers."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import dj_database_url
import pytest

from tests.e2e.server_process import free_port, wait_for_http


def test_a_server_that_exits_is_reported_with_its_log(tmp_path):
    log = tmp_path / "server.log"
    proc = subprocess.Popen([sys.executable, "-c", "print('no SECRET_KEY'); raise SystemExit(3)"],
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)
    with pytest.raises(RuntimeError, match=r"exited with 3: no SECRET_KEY"):
        wait_for_http(proc, f"http://127.0.0.1:{free_port()}/", log, timeout=30)


def test_a_server_that_never_answers_times_out(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("still starting")
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(RuntimeError, match=r"did not answer .* in 0.5s: still starting"):
            wait_for_http(proc, f"http://127.0.0.1:{free_port()}/", log, timeout=0.5)
    finally:
        proc.kill()
        proc.wait()


def test_a_server_that_answers_is_waited_for(tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    log.write_text("")
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "-b", "127.0.0.1",
                             "-d", str(tmp_path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_http(proc, f"http://127.0.0.1:{port}/", log, timeout=30)
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgis://"),
                    reason="PostgreSQL's databases")
def test_a_database_in_use_is_dropped():
    import psycopg

    from tests.e2e.server_process import _admin_sql, drop_database

    url = os.environ["DATABASE_URL"]
    name = f"dcm_drop_{uuid.uuid4().hex[:8]}"
    _admin_sql(url, f'CREATE DATABASE "{name}"')
    db = dj_database_url.parse(url)
    session = psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                              password=db["PASSWORD"], dbname=name)
    try:
        drop_database(url, name)  # the open session is ended
        drop_database(url, name)  # gone already: nothing to do
    finally:
        session.close()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                        password=db["PASSWORD"], dbname=name).close()

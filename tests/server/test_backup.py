"""Backup and restore as docs/operations.md describes them: pg_dump of a live database with
cases and their event log, pg_restore into a new database, the same rows and the append-only
triggers back (PostGIS only: the embedded SpatiaLite default is one file to copy)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import dj_database_url
import psycopg
import pytest

from tests.e2e.server_process import drop_database

REPO = Path(__file__).resolve().parents[2]
URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgis://"),
                                reason="backup and restore are PostgreSQL's (make test runs it)")

FILL = """
from server.maps.demo_loader import load_city
from tests.server.conftest import toy_city, report_form
from rest_framework.test import APIClient
from server.accounts.models import User
load_city(toy_city(), label="toy")
c = APIClient(); c.force_authenticate(User.objects.get(username="supervisor"))
for _ in range(3):
    assert c.post("/api/reports/", report_form(), format="multipart").status_code == 201
"""


def _admin(sql: str) -> None:
    db = dj_database_url.parse(URL)
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                         password=db["PASSWORD"], dbname=db["NAME"], autocommit=True) as conn:
        conn.execute(sql)


def _count(url: str, table: str) -> int:
    with psycopg.connect("postgresql://" + url.split("://", 1)[1]) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_backup_and_restore_round_trip(tmp_path):
    source, target = (f"dcm_bk_{uuid.uuid4().hex[:8]}" for _ in range(2))
    base = URL.rsplit("/", 1)[0]
    env = dict(os.environ, DCM_EMBEDDED="1", DJANGO_SETTINGS_MODULE="tests.settings_test",
               PYTHONPATH=str(REPO), MEDIA_ROOT=str(tmp_path / "media"), ALLOWED_HOSTS="testserver")
    try:
        _admin(f'CREATE DATABASE "{source}" TEMPLATE template1')
        _admin(f'CREATE DATABASE "{target}" TEMPLATE template1')
        env["DATABASE_URL"] = f"{base}/{source}"
        for args in (["server/manage.py", "migrate", "-v0"],
                     ["server/manage.py", "shell", "-c", FILL]):
            out = subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                                 text=True, timeout=300)
            assert out.returncode == 0, out.stderr[-2000:]
        dump = tmp_path / "dcm.dump"
        subprocess.run(["bash", "scripts/backup.sh", str(dump)], cwd=REPO, env=env, check=True,
                       timeout=120)
        env["DATABASE_URL"] = f"{base}/{target}"
        subprocess.run(["bash", "scripts/restore.sh", str(dump)], cwd=REPO, env=env, check=True,
                       timeout=300)
        for table in ("cases_case", "cases_caseevent", "maps_cell", "accounts_user",
                      "cases_filingcondition"):
            assert _count(f"{base}/{target}", table) == _count(f"{base}/{source}", table), table
        assert _count(f"{base}/{target}", "cases_case") == 3
        with psycopg.connect("postgresql://" + f"{base}/{target}".split("://", 1)[1]) as conn:
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute("DELETE FROM cases_caseevent")
    finally:
        for name in (source, target):
            # Autovacuum is often on a database just filled (see drop_database).
            drop_database(URL, name)

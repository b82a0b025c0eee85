"""A real server in a child process for end-to-end tests: migrate, load the demo city, serve (the
project's ASGI server, ``server.serving.DEFAULT``, or ``DCM_SERVER``).

Preparing a database (migrations, the demo city's 44,000 components, static files) takes 10 to
40 s; a test session does it once per backend into a *golden* copy (a directory for SpatiaLite,
a template database for PostGIS) and gives every server a fresh copy of that, which takes a
second. Each server still has a database of its own, so tests cannot see each other's cases.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(proc: subprocess.Popen, url: str, log: Path, timeout: float = 60.0) -> None:
    """Return once ``url`` answers 200; raise RuntimeError, with the end of ``log``, when
    ``proc`` exits first or ``timeout`` seconds pass. (The e2e servers and the benches'.)"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url} in {timeout}s: {log.read_text()[-3000:]}")


class ServerProcess:
    def __init__(self, env: dict[str, str], log: Path, port: int | None = None):
        self.env = dict(env, DJANGO_SETTINGS_MODULE="server.settings", PYTHONPATH=str(REPO))
        self.log = log
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def manage(self, *args: str) -> None:
        out = subprocess.run([sys.executable, "server/manage.py", *args], cwd=REPO, env=self.env,
                             capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")

    def prepare(self) -> None:
        self.manage("migrate", "--noinput", "-v0")
        self.manage("load_demo_city", "--if-empty")
        # The base map as make run builds it, to district zoom only (a few seconds, once per
        # backend and process: the golden copy keeps it).
        self.manage("build_basemap", "--if-missing", "--maxzoom", "13")
        self.manage("collectstatic", "--noinput", "-v0")

    def start(self, timeout: float = 60.0) -> None:
        from server import serving

        server = os.environ.get("DCM_SERVER") or serving.DEFAULT
        self.proc = subprocess.Popen(
            serving.server_command(server, host="127.0.0.1", port=self.port),
            start_new_session=True,  # stopped by its process group (granian's workers too)
            cwd=REPO, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        wait_for_http(self.proc, self.base_url + "/api/schema/", self.log, timeout)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    def kill(self) -> None:
        """SIGKILL the server and every process it started (a crash)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def restart(self, timeout: float = 60.0) -> None:
        """Stop and start again on the same port (a deploy, a crash and restart)."""
        self.stop()
        self.start(timeout)

    def another_worker(self, log: Path) -> "ServerProcess":
        """A second ASGI worker on the same database and channel layer (scale-out); not started.
        Only meaningful with REDIS_URL in the environment: the in-memory layer is per process."""
        return ServerProcess({k: v for k, v in self.env.items()
                              if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}, log)


def backends() -> list[str]:
    """spatialite always; postgis (with Redis) when DATABASE_URL names a PostGIS server."""
    out = ["spatialite"]
    if os.environ.get("DATABASE_URL", "").startswith("postgis://"):
        out.append("postgis")
    return out


def _admin_sql(url: str, sql: str) -> None:
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                         password=db["PASSWORD"], dbname=db["NAME"], autocommit=True) as conn:
        conn.execute(sql)


def _env(backend: str, var: Path, dbname: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DCM_EMBEDDED="1", DCM_VAR=str(var), CHANNEL_PREFIX=f"e2e{uuid.uuid4().hex[:8]}")
    if backend == "postgis":
        env["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + dbname
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    return env


#: backend -> (prepared DCM_VAR directory, template database name or None), made once per
#: process by ``_golden`` and removed at exit.
_GOLDEN: dict[str, tuple[Path, str | None]] = {}


def _golden(backend: str) -> tuple[Path, str | None]:
    if backend not in _GOLDEN:
        var = Path(tempfile.mkdtemp(prefix=f"dcm-golden-{backend}-"))
        dbname = None
        if backend == "postgis":
            dbname = f"dcm_e2e_golden_{uuid.uuid4().hex[:8]}"
            _admin_sql(os.environ["DATABASE_URL"],
                       f'CREATE DATABASE "{dbname}" TEMPLATE template1')
        _GOLDEN[backend] = (var, dbname)  # registered before preparing: cleaned up on failure
        ServerProcess(_env(backend, var, dbname), log=var / "prepare.log").prepare()
    return _GOLDEN[backend]


@atexit.register
def _drop_golden() -> None:
    for var, dbname in _GOLDEN.values():
        shutil.rmtree(var, ignore_errors=True)
        if dbname:
            _drop(dbname)


def _drop(dbname: str) -> None:
    drop_database(os.environ["DATABASE_URL"], dbname)


def drop_database(url: str, dbname: str, tries: int = 20) -> None:
    """DROP DATABASE ``dbname`` (reached through ``url``'s server), its sessions ended.

    ``WITH (FORCE)`` ends the other sessions, but PostgreSQL 15 refuses it (insufficient
    privilege) when one of them is an autovacuum worker and the role lacks
    ``pg_signal_backend``: a bench's database, just filled, is often being vacuumed when it is
    dropped. A plain DROP stops autovacuum itself, so that is tried next, until the database's
    own sessions (ended by then) are gone."""
    import psycopg

    try:
        _admin_sql(url, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        return
    except psycopg.errors.InsufficientPrivilege:
        pass
    for attempt in range(tries):
        try:
            _admin_sql(url, f'DROP DATABASE IF EXISTS "{dbname}"')
            return
        except psycopg.errors.ObjectInUse:
            if attempt == tries - 1:
                raise
            time.sleep(0.5)


@contextmanager
def started_server(backend: str, tmp: Path):
    """A prepared, started server on a fresh copy of the golden database of ``backend`` (its
    own database and DCM_VAR, a channel prefix of its own); stopped (and its PostgreSQL
    database dropped) on exit."""
    golden_var, golden_db = _golden(backend)
    shutil.copytree(golden_var, tmp, dirs_exist_ok=True)
    dbname = None
    if backend == "postgis":
        dbname = f"dcm_e2e_{uuid.uuid4().hex[:8]}"
        _admin_sql(os.environ["DATABASE_URL"],
                   f'CREATE DATABASE "{dbname}" TEMPLATE "{golden_db}"')
    server = ServerProcess(_env(backend, tmp, dbname), log=tmp / "server.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if dbname:
            _drop(dbname)

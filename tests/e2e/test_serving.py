"""``scripts/serve.py`` with each ASGI server (server/serving.py): the command lines, and a real
start of each on a prepared SpatiaLite database answering HTTP and a websocket's ``hello``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import httpx
import pytest
from websockets.sync.client import connect

from server import serving
from tests.e2e.server_process import REPO, _env, _golden, free_port, wait_for_http


def test_each_server_has_a_command_and_granian_refuses_an_inherited_socket():
    for server in serving.SERVERS:
        assert serving.APP in serving.server_command(server, port=8123)
    assert "--fd" in serving.server_command("uvicorn", fd=7)
    assert "--fd" in serving.server_command("daphne", fd=7)
    uvicorn = serving.server_command("uvicorn", fd=7)
    for option, value in (("--loop", "uvloop"), ("--http", "httptools"),
                          ("--ws", "websockets-sansio"), ("--ws-per-message-deflate", "false")):
        assert uvicorn[uvicorn.index(option) + 1] == value
    granian = serving.server_command("granian", port=8123, workers=3)
    assert granian[granian.index("--workers") + 1] == "3"
    with pytest.raises(ValueError, match="no --fd"):
        serving.server_command("granian", fd=7)
    with pytest.raises(ValueError, match="unknown server 'gunicorn'"):
        serving.server_command("gunicorn")


@pytest.mark.parametrize("server", serving.SERVERS)
def test_serve_py_runs_each_server_with_two_workers(server, tmp_path):
    var, _ = _golden("spatialite")
    shutil.copytree(var, tmp_path, dirs_exist_ok=True)
    env = _env("spatialite", tmp_path, None)
    # Two workers need a shared channel layer; the test's Redis when there is one.
    workers = 2 if os.environ.get("REDIS_URL") else 1
    if workers == 2:
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    env.update(DJANGO_SETTINGS_MODULE="server.settings", PYTHONPATH=str(REPO))
    port, log = free_port(), tmp_path / "serve.log"
    proc = subprocess.Popen([sys.executable, "scripts/serve.py", "--server", server,
                             "--workers", str(workers), "--photo-workers", "0", "--port",
                             str(port)], cwd=REPO, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(proc, base + "/api/health/", log)
        token = httpx.post(base + "/api/auth/token/", data={
            "username": "dispatcher", "password": "demo-dcm-2026"}).json()["token"]
        with connect(f"ws://127.0.0.1:{port}/ws/events/?token={token}",
                     additional_headers={"Origin": base}, open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "hello"
        assert f"{workers} {server} workers" in log.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)

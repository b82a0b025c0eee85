"""bench.intake's floor (server/benchfloor): routed only with DCM_BENCH_FLOOR=1; there it refuses
an anonymous upload and stores an authenticated one's bytes."""

from __future__ import annotations

import shutil

import httpx
import pytest
from django.urls import Resolver404, resolve

from tests.e2e.server_process import ServerProcess, _env, _golden


def test_not_routed_in_a_normal_deployment():
    with pytest.raises(Resolver404):
        resolve("/api/bench/floor/")


def test_the_floor_refuses_anonymous_and_stores_the_bytes(tmp_path):
    var, _ = _golden("spatialite")
    shutil.copytree(var, tmp_path, dirs_exist_ok=True)
    server = ServerProcess(dict(_env("spatialite", tmp_path, None), DCM_BENCH_FLOOR="1"),
                           log=tmp_path / "server.log")
    server.manage("migrate", "--noinput", "-v0")  # the floor's own table
    server.start()
    try:
        url = server.base_url + "/api/bench/floor/"
        photo = bytes(range(256)) * 240  # 60 KB, every byte value
        files = {"photo": ("p.jpg", photo, "image/jpeg")}
        anonymous = httpx.post(url, data={"kind": "event"}, files=files)
        assert anonymous.status_code == 401
        token = httpx.post(server.base_url + "/api/auth/token/", data={
            "username": "supervisor", "password": "demo-dcm-2026"}).json()["token"]
        r = httpx.post(url, data={"kind": "event"}, files=files,
                       headers={"Authorization": f"Token {token}"})
        assert r.status_code == 201, r.text
        out = tmp_path / "stored.bin"
        server.manage("shell", "-c", "from server.benchfloor.models import FloorUpload; "
                      f"open({str(out)!r}, 'wb').write(FloorUpload.objects.get(pk={r.json()['id']})"
                      ".data)")
        assert out.read_bytes() == photo
    finally:
        server.stop()

"""``wait_for_http``, the start-up wait of the e2e servers and the benches' servers."""

from __future__ import annotations

import subprocess
import sys

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

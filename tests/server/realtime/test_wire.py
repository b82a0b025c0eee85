"""The hub's short way to daphne's sockets (server/realtime/wire.py), on a real daphne and real
sockets (``wire_app.py``): the bytes a client gets are exactly RFC 6455 frames, in order with
what goes through ASGI; a socket that stops reading is closed with 4408 once it is
``HIGH_WATER`` behind, its buffer bounded, while the others get everything; a socket gone
stops nobody."""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.wsclient import _client_frame, _handshake
from server.realtime import wire
from tests.e2e.server_process import free_port

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    port, log = free_port(), tmp_path_factory.mktemp("wire") / "daphne.log"
    proc = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                             "tests.server.realtime.wire_app:app"], cwd=REPO,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"daphne did not start: {log.read_text()[-2000:]}")
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


class Raw:
    """A websocket client on a plain socket: what it reads is what the server wrote."""

    def __init__(self, port: int, name: str, rcvbuf: int | None = None):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        self.sock.settimeout(10)
        self.buf = b""
        request, accept = _handshake(f"ws://127.0.0.1:{port}/?{name}", f"http://127.0.0.1:{port}")
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buf:
            self._more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101") and accept in head
        assert json.loads(self.frame()[1]) == {"short": True}

    def _more(self) -> None:
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("closed")
        self.buf += data

    def exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def frame(self) -> tuple[int, bytes]:
        """(first byte, payload) of the next frame, which must be unmasked."""
        first, second = self.exactly(2)
        assert not second & 0x80, "a server's frame is never masked"
        n = second & 0x7F
        if n >= 126:
            n = int.from_bytes(self.exactly(2 if n == 126 else 8), "big")
        return first, self.exactly(n)

    def send(self, command: dict) -> None:
        data = json.dumps(command, ensure_ascii=False, separators=(",", ":")).encode()
        assert len(data) < 126, "_client_frame writes short frames only"
        self.sock.sendall(_client_frame(1, data))


def rfc6455_text(text: str) -> bytes:
    """A final unmasked text frame, length in its shortest form (RFC 6455 §5.2)."""
    data = text.encode()
    n = len(data)
    if n < 126:
        return bytes((0x81, n)) + data
    if n < 65536:
        return bytes((0x81, 126)) + struct.pack("!H", n) + data
    return bytes((0x81, 127)) + struct.pack("!Q", n) + data


def test_frames_are_exact_and_in_order_with_what_goes_through_asgi(port):
    client = Raw(port, "exact")
    # Lengths on both sides of each of the three length forms, and UTF-8 beyond ASCII.
    texts = [["", 0], ["案件 1", 1], ["x", 125], ["y", 126], ["派遣", 300], ["z", 65535],
             ["w", 70000]]
    client.send({"do": "frames", "texts": texts})
    for piece, times in texts:
        expected = rfc6455_text(piece * times)
        assert client.exactly(len(expected)) == expected
    assert client.frame() == (0x81, b"through asgi")
    assert client.exactly(len(rfc6455_text("after asgi"))) == rfc6455_text("after asgi")
    client.sock.close()


def test_a_socket_that_stops_reading_is_closed_bounded_and_stops_nobody(port):
    slow = Raw(port, "slow", rcvbuf=4096)  # never reads until the end
    gone = Raw(port, "gone")
    gone.sock.close()  # gone at once: writes to it must fail quietly
    fast = Raw(port, "fast")
    size, per_round, worst = 32 * 1024, 4, 0
    for _ in range(60):
        fast.send({"do": "flood", "n": per_round, "size": size})
        for _ in range(per_round):
            assert fast.frame() == (0x81, b"x" * size)
        state = json.loads(fast.frame()[1])
        assert state["open"]["fast"] and state["buffered"]["fast"] <= size * per_round
        worst = max(worst, state["buffered"]["slow"])
        if not state["open"]["slow"]:
            break
    else:
        pytest.fail(f"the slow socket was never closed: {state}")
    assert wire.HIGH_WATER < worst <= wire.HIGH_WATER + size + 32  # + one frame, + the close
    assert state["close_code"]["slow"] == wire.TOO_SLOW
    # All it was sent before, then the close with 4408; unless autobahn's close timeout (1 s)
    # ran out first on a busy machine and dropped the connection, as the contract allows.
    try:
        while True:
            first, payload = slow.frame()
            if first == 0x88:
                assert int.from_bytes(payload[:2], "big") == wire.TOO_SLOW
                break
            assert payload == b"x" * size
    except (ConnectionResetError, ConnectionError):
        pass
    for client in (slow, fast):
        client.sock.close()

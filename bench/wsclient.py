"""Lean websocket terminals for ``bench.fanout``: many real sockets in one process, cheap enough
that the bench measures the server and not its own clients.

Each socket is an ``asyncio.BufferedProtocol`` (all read into one shared buffer) that does the
RFC 6455 opening handshake itself (and checks ``Sec-WebSocket-Accept``), then reads the server's
frames: a frame is timed when the read that completes it returns, and a case event's id is found
in the text without parsing the JSON. A general client (``websockets``) spends most of a fan-out
of hundreds of sockets per process in its own frame and message machinery: on two shared cores
that time was counted as the server's.

Protocol with the bench (stdout, one JSON object a line): first ``{"ready", "failed"}`` once every
socket has its ``hello`` (or gave up), then, per case event, ``{"id", "n", "first", "last"}`` when
all open sockets have it (or 5 s after the first did). ``quit`` on stdin ends it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import sys
import time
from urllib.parse import urlsplit

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_EVENT = b'"event_id":'
#: Connect in waves: daphne's listen backlog is small.
WAVE = 80
#: A partial delivery is reported this long after the first socket got the event.
REPORT_AFTER_S = 5.0


class Fleet:
    """The sockets of one process and the arrival times of each event over them."""

    def __init__(self):
        self.open = 0
        self.arrivals: dict[int, list[float]] = {}

    def arrived(self, event_id: int, at: float) -> None:
        times = self.arrivals.get(event_id)
        if times is None:
            times = self.arrivals[event_id] = []
            asyncio.get_running_loop().call_later(REPORT_AFTER_S, self.report, event_id)
        times.append(at)
        if len(times) >= self.open:
            self.report(event_id)

    def report(self, event_id: int) -> None:
        times = self.arrivals.pop(event_id, None)
        if times:
            print(json.dumps({"id": event_id, "n": len(times), "first": min(times),
                              "last": max(times)}), flush=True)


#: One receive buffer for every socket of the process: asyncio's default ``recv`` of up to
#: 256 KiB allocates (and maps) a fresh buffer per read, most of a terminal's CPU per event.
#: Each read is parsed before the next one starts; a partial frame is copied out.
_ARRAY = bytearray(256 * 1024)
_BUFFER = memoryview(_ARRAY)


class Terminal(asyncio.BufferedProtocol):
    def __init__(self, fleet: Fleet, request: bytes, accept: bytes):
        self.fleet = fleet
        self.request = request
        self.accept = accept
        self.hello = asyncio.get_running_loop().create_future()
        self.buf = b""
        self.upgraded = False
        self.counted = False
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc):
        if self.counted:
            self.fleet.open -= 1
            self.counted = False
        if not self.hello.done():
            self.hello.set_exception(ConnectionError(f"closed before hello: {exc!r}"))

    def get_buffer(self, sizehint: int) -> memoryview:
        return _BUFFER

    def buffer_updated(self, nbytes: int) -> None:
        at = time.time()
        if self.buf:
            buf = self.buf + _ARRAY[:nbytes]
            size = len(buf)
        else:
            buf, size = _ARRAY, nbytes
        if not self.upgraded:
            buf = bytes(buf[:size])
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            head, buf = buf[:end], buf[end + 4:]
            if not head.startswith(b"HTTP/1.1 101") or self.accept not in head:
                self._fail(f"handshake refused: {head[:200]!r}")
                return
            self.upgraded = True
            size = len(buf)
        pos = 0
        while size - pos >= 2:
            opcode, length = buf[pos] & 0x0F, buf[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                if size - pos < 4:
                    break
                length, start = int.from_bytes(buf[pos + 2:pos + 4], "big"), pos + 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, start = int.from_bytes(buf[pos + 2:pos + 10], "big"), pos + 10
            if size - start < length:
                break
            self._frame(opcode, buf, start, start + length, at)
            pos = start + length
        self.buf = bytes(buf[pos:size])  # a copy: the shared buffer is overwritten by the next read

    def _frame(self, opcode: int, buf: bytes | bytearray, start: int, end: int, at: float) -> None:
        if opcode == 1:  # text (daphne sends each message as one frame)
            if not self.hello.done():
                self.counted = True
                self.fleet.open += 1
                self.hello.set_result(None)
                return
            i = buf.find(_EVENT, start, end)
            if i >= 0:
                j = i + len(_EVENT)
                k = buf.find(b",", j, end)
                self.fleet.arrived(int(buf[j:k]), at)
        elif opcode == 9:  # ping: answer, masked as a client must
            self.transport.write(_client_frame(10, buf[start:end]))
        elif opcode == 8:
            self.transport.close()

    def _fail(self, why: str) -> None:
        if not self.hello.done():
            self.hello.set_exception(ConnectionError(why))
        self.transport.close()


def _client_frame(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked  # control: < 126 bytes


def _handshake(url: str, origin: str) -> tuple[bytes, bytes]:
    parts = urlsplit(url)
    key = base64.b64encode(os.urandom(16))
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    request = (f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key.decode()}\r\n"
               f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n").encode()
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    return request, accept


async def run(url: str, origin: str, n: int) -> None:
    """Hold ``n`` sockets to ``url`` and report events until ``quit`` on stdin."""
    loop = asyncio.get_running_loop()
    parts = urlsplit(url)
    fleet, held, failed = Fleet(), [], 0
    wave = asyncio.Semaphore(WAVE)
    error: Exception | None = None

    async def one():
        nonlocal failed, error
        for attempt in range(5):  # as a real terminal does: retry with a pause
            async with wave:
                request, accept = _handshake(url, origin)
                try:
                    _, proto = await asyncio.wait_for(loop.create_connection(
                        lambda: Terminal(fleet, request, accept), parts.hostname, parts.port),
                        30)
                    await asyncio.wait_for(proto.hello, 30)
                    held.append(proto)
                    return
                except (OSError, asyncio.TimeoutError) as exc:
                    error = exc
            await asyncio.sleep(0.5 * (attempt + 1))
        failed += 1

    await asyncio.gather(*(one() for _ in range(n)))
    if failed:
        print(f"fanout terminal: {failed} connects failed, the last: {error!r}", file=sys.stderr)
    print(json.dumps({"ready": fleet.open, "failed": failed}), flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    for proto in held:
        proto.transport.close()

"""Lean websocket terminals for ``bench.fanout``: many real sockets in one process, cheap enough
that the bench measures the server and not its own clients.

Each socket is a plain non-blocking one: it does the RFC 6455 opening handshake itself (and
checks ``Sec-WebSocket-Accept``) and waits for ``hello`` through asyncio's ``sock_*`` calls, then
joins the process's one epoll set, read in one event-loop callback per wake-up, every socket
into one shared buffer. Each read is parsed at once: a frame is timed when the read that
completes it returns (per socket), and a case event's id is found in the text without parsing
the JSON. A general client (``websockets``) spends most of a fan-out of hundreds of sockets per
process in its own frame and message machinery, and even asyncio's transports and protocols
cost as much per read as the read itself: on two shared cores that time was counted as the
server's.

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
import select
import socket
import sys
import time
from urllib.parse import urlsplit

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_EVENT = b'"event_id":'
#: Connect in waves: a server's listen backlog may be small (daphne's is).
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


#: One receive buffer for every socket of the process (a fresh one per read, as asyncio's
#: ``recv`` allocates, was most of a terminal's CPU). Each read is parsed before the next one
#: starts; a partial frame is copied out.
_ARRAY = bytearray(256 * 1024)


class Terminal:
    """One socket after its opening handshake: its frames, parsed as they come."""

    __slots__ = ("sock", "fleet", "buf", "counted", "closing")

    def __init__(self, sock: socket.socket, fleet: Fleet):
        self.sock, self.fleet, self.buf = sock, fleet, b""
        self.counted = self.closing = False

    def read(self) -> bool:
        """Read what the socket has and handle its complete frames; False once it is closed."""
        try:
            nbytes = self.sock.recv_into(_ARRAY)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            nbytes = 0
        at = time.time()  # per socket, after its read: the last terminal's time is honest
        if not nbytes:
            return False
        if self.buf:
            buf = self.buf + _ARRAY[:nbytes]
            self.buf = self.frames(buf, len(buf), at)
        else:
            self.buf = self.frames(_ARRAY, nbytes, at)
        return not self.closing

    def frames(self, buf: bytes | bytearray, size: int, at: float) -> bytes:
        """Handle the complete frames in ``buf[:size]``; return the rest (a copy)."""
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
            self.frame(opcode, buf, start, start + length, at)
            pos = start + length
        return bytes(buf[pos:size])

    def frame(self, opcode: int, buf: bytes | bytearray, start: int, end: int,
              at: float) -> None:
        if opcode == 1:  # text (each server here sends a message as one frame)
            if not self.counted:  # the first is hello
                self.counted = True
                self.fleet.open += 1
                return
            i = buf.find(_EVENT, start, end)
            if i >= 0:
                j = i + len(_EVENT)
                k = buf.find(b",", j, end)
                self.fleet.arrived(int(buf[j:k]), at)
        elif opcode == 9:  # ping: answer, masked as a client must
            self.sock.send(_client_frame(10, bytes(buf[start:end])))
        elif opcode == 8:
            self.closing = True  # closed by the server: the reader drops it

    def close(self) -> None:
        if self.counted:
            self.fleet.open -= 1
            self.counted = False
        self.sock.close()


class Poller:
    """Every socket of the process in one epoll set, read in one callback of the event loop per
    wake-up: asyncio's machinery per socket and read (a handle, a transport, a protocol call)
    cost as much as the read itself."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.epoll = select.epoll()
        self.terminals: dict[int, Terminal] = {}
        loop.add_reader(self.epoll.fileno(), self.ready)

    def add(self, terminal: Terminal) -> None:
        self.terminals[terminal.sock.fileno()] = terminal
        self.epoll.register(terminal.sock.fileno(), select.EPOLLIN)

    def ready(self) -> None:
        for fd, _ in self.epoll.poll(0):
            terminal = self.terminals[fd]
            if not terminal.read():
                self.drop(fd)

    def drop(self, fd: int) -> None:
        terminal = self.terminals.pop(fd)
        self.epoll.unregister(fd)
        terminal.close()

    def close(self) -> None:
        for fd in list(self.terminals):
            self.drop(fd)


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


async def _open(loop, url: str, origin: str, fleet: Fleet) -> Terminal:
    """Connect, shake hands (checking ``Sec-WebSocket-Accept``) and wait for ``hello``."""
    parts = urlsplit(url)
    sock = socket.socket()
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, (parts.hostname, parts.port))
        request, accept = _handshake(url, origin)
        await loop.sock_sendall(sock, request)
        data = b""
        while b"\r\n\r\n" not in data:
            more = await loop.sock_recv(sock, 4096)
            if not more:
                raise ConnectionError("closed during the handshake")
            data += more
        head, rest = data.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101") or accept not in head:
            raise ConnectionError(f"handshake refused: {head[:200]!r}")
        terminal = Terminal(sock, fleet)
        terminal.buf = terminal.frames(rest, len(rest), time.time())
        while not terminal.counted:
            more = await loop.sock_recv(sock, 4096)
            if not more or terminal.closing:
                raise ConnectionError("closed before hello")
            data = terminal.buf + more
            terminal.buf = terminal.frames(data, len(data), time.time())
        return terminal
    except BaseException:
        sock.close()
        raise


async def run(url: str, origin: str, n: int) -> None:
    """Hold ``n`` sockets to ``url`` and report events until ``quit`` on stdin."""
    loop = asyncio.get_running_loop()
    fleet, poller, failed = Fleet(), Poller(loop), 0
    wave = asyncio.Semaphore(WAVE)
    error: Exception | None = None

    async def one():
        nonlocal failed, error
        for attempt in range(5):  # as a real terminal does: retry with a pause
            async with wave:
                try:
                    poller.add(await asyncio.wait_for(_open(loop, url, origin, fleet), 30))
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
    poller.close()

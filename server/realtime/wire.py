"""The hub's short way to a socket (直写): one event's websocket frame, built once, written
straight to each of a daphne worker's sockets.

Why: through the ASGI ``send`` every socket's copy of an event passed Channels' session
wrapper, daphne's ``handle_reply``, autobahn's ``sendMessage`` (which re-encodes and re-frames
the text) and Twisted's write buffer, whose ``startWriting``/``stopWriting`` re-registers the
socket with the event loop's selector twice per event: with 500 sockets a worker that was most
of a fan-out's CPU (``bench/fanout.py``). Here the frame is made once per event and each socket
gets one ``send(2)`` when nothing is queued before it.

Contract:

- ``text_frame(text)`` is one final, unmasked, uncompressed text frame (RFC 6455 §5.2, a
  server's frame) carrying ``text`` as UTF-8: what autobahn sends for ``sendMessage`` without
  permessage-deflate, which daphne never negotiates (uncompressed messages stay valid even
  where it is: RFC 7692 §6).
- ``capture(app)`` is an ASGI middleware for websockets: under daphne it puts the socket's
  protocol into the scope (``SCOPE_KEY``); under anything else it changes nothing.
- ``writer(scope)`` returns ``write(frame)`` for that socket, or None when the short way is not
  available (another server, TLS, daphne/autobahn/Twisted internals not as checked once at
  import: ``AVAILABLE``): the caller then uses the ASGI ``send`` as before.
- ``write(frame)`` is synchronous and never raises for a socket's own trouble. Frames go out in
  call order, also relative to what the consumer sends through ASGI (both end in the same
  transport, synchronously, with nothing queued in between). A socket that is not open (closing,
  closed) is skipped: its client reconnects and resumes from its last event id.
- Back-pressure: what the kernel does not take waits in Twisted's buffer, written when the
  socket drains. A socket whose buffer is past ``HIGH_WATER`` (a dead or far too slow client)
  gets no more events: it is closed with ``TOO_SLOW`` (4408); autobahn drops the TCP connection
  if the close is not answered within its close timeout (1 s). Memory per socket is so bounded
  by ``HIGH_WATER`` plus one frame, and no socket waits for another. The client reconnects and
  resumes (``reset`` if it missed too much), as after any drop.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, Callable

log = logging.getLogger(__name__)

SCOPE_KEY = "dcm.ws_protocol"
#: Bytes waiting in user space for one socket before it is closed as too slow.
HIGH_WATER = 512 * 1024
#: The close code of a socket that fell too far behind (a client reconnects and resumes).
TOO_SLOW = 4408

Write = Callable[[bytes], None]


def text_frame(text: str) -> bytes:
    payload = text.encode("utf-8")
    n = len(payload)
    if n < 126:
        head = bytes((0x81, n))
    elif n < 1 << 16:
        head = bytes((0x81, 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x81, 127)) + n.to_bytes(8, "big")
    return head + payload


def _internals() -> tuple[type, type, Callable] | None:
    """daphne's protocol class, Twisted's TCP server transport and daphne's reply function, if
    they have what ``write`` relies on (checked once: a daphne, autobahn or Twisted upgrade that
    changes them turns the short way off rather than break it)."""
    try:
        from daphne.server import Server
        from daphne.ws_protocol import WebSocketProtocol
        from twisted.internet.tcp import Server as TCPServer
    except ImportError:
        return None
    needed = {WebSocketProtocol: ("STATE_OPEN", "sendClose", "handle_reply", "transport"),
              TCPServer: ("dataBuffer", "offset", "TLS", "connected", "disconnecting", "write")}
    for cls, names in needed.items():
        missing = [n for n in names if not hasattr(cls, n)]
        if missing:
            log.warning("realtime wire: %s lacks %s: events go through ASGI", cls, missing)
            return None
    return WebSocketProtocol, TCPServer, Server.handle_reply


_FOUND = _internals()
AVAILABLE = _FOUND is not None


def capture(app):
    """ASGI middleware: record daphne's protocol of a websocket in its scope (see the module)."""

    async def middleware(scope, receive, send):
        if AVAILABLE and scope.get("type") == "websocket":
            protocol = _daphne_protocol(send)
            if protocol is not None:
                scope = dict(scope, **{SCOPE_KEY: protocol})
        return await app(scope, receive, send)

    return middleware


def _daphne_protocol(send) -> Any:
    ws_class, _, handle_reply = _FOUND
    # daphne hands each application ``partial(server.handle_reply, protocol)``.
    if (isinstance(send, partial) and getattr(send.func, "__func__", None) is handle_reply
            and len(send.args) == 1 and isinstance(send.args[0], ws_class)):
        return send.args[0]
    return None


def writer(scope) -> Write | None:
    protocol = scope.get(SCOPE_KEY)
    if protocol is None:
        return None
    _, tcp_class, _ = _FOUND
    transport = protocol.transport
    # Per socket, what only instances have (and no TLS: its bytes are not the socket's).
    if (type(transport) is not tcp_class or transport.TLS
            or not all(hasattr(transport, n) for n in ("socket", "_tempDataBuffer", "_tempDataLen"))
            or not hasattr(protocol, "state")):
        return None
    return partial(_write, protocol, transport, transport.socket, protocol.STATE_OPEN)


def _write(protocol, transport, sock, open_state, frame: bytes) -> None:
    if protocol.state != open_state or not transport.connected or transport.disconnecting:
        return
    if transport.dataBuffer or transport._tempDataBuffer:  # queued before it: keep the order
        if len(transport.dataBuffer) - transport.offset + transport._tempDataLen > HIGH_WATER:
            log.warning("realtime wire: closing a socket more than %s bytes behind", HIGH_WATER)
            protocol.sendClose(code=TOO_SLOW, reason="too far behind: resume")
            return
        transport.write(frame)
        return
    try:
        sent = sock.send(frame)
    except (BlockingIOError, InterruptedError):
        sent = 0
    except OSError:  # reset or broken: the reactor sees it on its next read and cleans up
        return
    if sent < len(frame):
        transport.write(frame[sent:])  # Twisted writes the rest when the socket drains

"""A bare ASGI application for ``test_wire.py``, served by a real daphne in a child process:
``server.realtime.wire`` on daphne's real sockets without Django, a database or a layer.

Each websocket (``?name``) is accepted, says ``{"short": <wire.writer found>}`` through ASGI, and
obeys JSON commands:

- ``{"do": "frames", "texts": [[piece, times], ...]}``: each text (``piece * times``: the
  command stays short) as a frame through ``wire``, then one message through the ASGI ``send``,
  then one more frame through ``wire`` (their order must hold).
- ``{"do": "flood", "n": N, "size": S}``: N frames of S bytes to *every* open socket, as the hub
  does, then ``{"buffered": {name: bytes}, "open": {name: bool}, "close_code": {name: int}}``
  (Twisted's buffer, the websocket state and the close code the server sent, if any, of each)
  through ASGI to the one that asked.
"""

from __future__ import annotations

import json

from server.realtime import wire

SOCKETS: dict[str, tuple] = {}


async def _app(scope, receive, send):
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    name = scope["query_string"].decode()
    write = wire.writer(scope)
    protocol = scope.get(wire.SCOPE_KEY)
    await send({"type": "websocket.send", "text": json.dumps({"short": write is not None})})
    if write is None:
        return
    SOCKETS[name] = (write, protocol)
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            command = json.loads(message["text"])
            if command["do"] == "frames":
                for piece, times in command["texts"]:
                    write(wire.text_frame(piece * times))
                await send({"type": "websocket.send", "text": "through asgi"})
                write(wire.text_frame("after asgi"))
            elif command["do"] == "flood":
                frame = wire.text_frame("x" * command["size"])
                for _ in range(command["n"]):
                    for each, _ in list(SOCKETS.values()):
                        each(frame)
                await send({"type": "websocket.send", "text": json.dumps({
                    "buffered": {n: _buffered(p.transport) for n, (_, p) in SOCKETS.items()},
                    "open": {n: p.state == p.STATE_OPEN for n, (_, p) in SOCKETS.items()},
                    "close_code": {n: p.localCloseCode for n, (_, p) in SOCKETS.items()}})})
    finally:
        SOCKETS.pop(name, None)


def _buffered(transport) -> int:
    return len(transport.dataBuffer) - transport.offset + transport._tempDataLen


app = wire.capture(_app)

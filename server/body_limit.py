"""The request size limit, enforced while the body is read (ASGI middleware).

Django's ASGI handler reads a whole request body before any middleware or view runs, and a
chunked body (no ``Content-Length``) passes a check of the header; reading such a body through
``request.body`` holds it all in memory (an anonymous chunked POST of 300 MiB grew a worker by
318 MB). ``BodyLimit`` sits outside Django, in ``server.asgi``:

- a ``Content-Length`` over ``settings.MAX_REQUEST_BYTES`` is answered 413 at once, before a
  byte of the body is read;
- a body without one (chunked) is counted as it arrives; once the count passes the limit the
  application is told the client left (``http.disconnect``: Django drops the request without
  an answer) and the client gets 413 at once, and nothing more of the body is read. The server
  then closes the connection (the rest of the body is never read).
- a ``Content-Length`` that is not one non-negative number is answered 400.

It works the same under granian, uvicorn and daphne: it uses only the ASGI messages.
Photos and voice notes travel inside the reports' bodies, so one limit covers them (the
handset sends photos of about 100 KB; the default limit is 8 MiB). The refusal names the
limit in Chinese and English (``too_large``).
"""

from __future__ import annotations

import json

from django.conf import settings


def _size(n: int) -> str:
    return f"{n / (1 << 20):g} MiB" if n >= 1 << 20 else f"{n:,} bytes"


def too_large(limit: int, length: int | None = None) -> dict:
    """The error body of a request over ``limit`` bytes (``length``, when it said)."""
    said = f" ({length:,} bytes)" if length is not None else ""
    said_zh = f"（{length:,} 字节）" if length is not None else ""
    return {"error": {
        "code": "too_large",
        "message": f"request body{said} is over the limit of {_size(limit)} ({limit:,} bytes); "
                   f"请求体{said_zh}超过上限 {_size(limit)}（{limit:,} 字节）",
        "limit_bytes": limit}}


def bad_length(value: str) -> dict:
    return {"error": {
        "code": "invalid",
        "message": f"Content-Length {value[:40]!r} is not a number of bytes; "
                   f"Content-Length {value[:40]!r} 不是字节数",
        "field": "Content-Length"}}


async def _answer(send, status: int, body: dict) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": data})


class BodyLimit:
    """ASGI middleware for HTTP: bodies over ``settings.MAX_REQUEST_BYTES`` are refused with
    413 before or while they are read (see the module's docstring). Other scopes pass."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = settings.MAX_REQUEST_BYTES
        lengths = [v.decode("latin-1") for k, v in scope.get("headers", ())
                   if k == b"content-length"]
        if lengths:
            value = lengths[0].strip()
            if len(set(lengths)) > 1 or not value.isdigit():
                return await _answer(send, 400, bad_length(",".join(lengths)))
            if int(value) > limit:
                return await _answer(send, 413, too_large(limit, int(value)))
        received = 0
        over = started = False

        async def counted():
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def watched(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted, watched)
        if over and not started:
            await _answer(send, 413, too_large(limit))

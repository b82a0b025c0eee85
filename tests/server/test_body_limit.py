"""``server.body_limit.BodyLimit`` on the real ASGI application, driven by ASGI messages (the
servers themselves: tests/e2e/test_body_limit_servers.py): a declared length over the limit is
refused before a byte is read, a chunked body once its running total passes the limit, and
nothing more of it is read; a bad ``Content-Length`` is refused with 400; bodies within the
limit reach Django whole."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync

LIMIT = 64 * 1024


def _scope(path: str, headers: list[tuple[bytes, bytes]]):
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "headers": [(b"host", b"127.0.0.1"), *headers],
            "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}


def _call(path: str, headers, chunks: list[bytes]):
    """Run one request; returns (status, JSON body, chunks the application read)."""
    from server.asgi import application

    read = 0
    sent: list[dict] = []

    async def receive():
        nonlocal read
        if read < len(chunks):
            read += 1
            return {"type": "http.request", "body": chunks[read - 1],
                    "more_body": read < len(chunks)}
        await asyncio.sleep(60)  # the client stays (Django cancels this wait once it answered)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    async_to_sync(application)(_scope(path, headers), receive, send)
    status = sent[0]["status"]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return status, json.loads(body), read


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.MAX_REQUEST_BYTES = LIMIT


def test_a_declared_length_over_the_limit_is_refused_unread(db):
    status, body, read = _call("/api/reports/", [(b"content-length", str(LIMIT + 1).encode())],
                               [b"\0" * 1024] * 100)
    assert (status, read) == (413, 0)
    assert body["error"]["code"] == "too_large" and body["error"]["limit_bytes"] == LIMIT
    assert "64 KiB" not in body["error"]["message"] and "65,536 bytes" in body["error"]["message"]
    assert "上限" in body["error"]["message"] and "65,537" in body["error"]["message"]


def test_a_chunked_body_is_refused_once_it_passes_the_limit(db):
    chunks = [b"\0" * 4096] * 1000  # 4 MB in 4 KB pieces, no Content-Length
    status, body, read = _call("/api/reports/", [], chunks)
    assert status == 413 and body["error"]["code"] == "too_large"
    assert read == LIMIT // 4096 + 1  # read up to the piece that passed the limit, no further


@pytest.mark.parametrize("value", [b"abc", b"-1", b"1e9", b""])
def test_a_content_length_that_is_not_a_number_is_refused(db, value):
    status, body, read = _call("/api/reports/", [(b"content-length", value)], [b"{}"])
    assert (status, read) == (400, 0)
    assert body["error"]["field"] == "Content-Length"


def test_two_different_content_lengths_are_refused(db):
    status, body, _ = _call("/api/reports/", [(b"content-length", b"2"),
                                             (b"content-length", b"3")], [b"{}"])
    assert status == 400


def test_a_body_within_the_limit_reaches_django_whole(db):
    chunks = [b'{"username": "nobody", ', b'"password": "x"}']
    status, body, read = _call("/api/auth/token/", [(b"content-type", b"application/json")],
                               chunks)
    assert read == 2 and status == 400  # Django answered (wrong credentials), not the limit
    assert body["error"]["code"] != "too_large"

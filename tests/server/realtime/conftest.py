"""Websocket tests through ``WebsocketCommunicator`` on the real ASGI application.

Pattern: the test is a sync function (the ``db`` fixture's transaction lives on the main thread)
that runs its whole scenario in one ``async_to_sync`` call; ORM work inside the scenario goes
through ``database_sync_to_async``, which asgiref runs back on the main thread, so it sees the
test's uncommitted data. Actions run with ``captureOnCommitCallbacks(execute=True)``, so their
on-commit push really goes out through the channel layer (in-memory, or Redis under
``make test`` with a prefix of this run's own).
"""

from __future__ import annotations

import json
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.test import TestCase


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    """``database_sync_to_async`` closes "old" connections around each call; inside the test's
    transaction that would close the connection holding it (the server does this between
    requests, where it is right)."""
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


@pytest.fixture(autouse=True)
def own_channel_layer(settings):
    """A channel layer of this test's own (a fresh prefix on a shared Redis)."""
    layers = json.loads(json.dumps(settings.CHANNEL_LAYERS))
    config = layers["default"].get("CONFIG")
    if config is not None:
        config["prefix"] = f"t{uuid.uuid4().hex[:10]}"
    settings.CHANNEL_LAYERS = layers
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def _token(username: str) -> str:
    from server.accounts.models import User

    from server.accounts.tokens import issue

    return issue(User.objects.get(username=username))[0]


def application():
    from server.asgi import application as app

    return app


async def connect(username: str | None, path: str = "/ws/events/", *, header: bool = False):
    """Open a socket as ``username`` (token auth: in ``?token=``, or with ``header`` in the
    ``Authorization`` header); returns (communicator, connected, code)."""
    key = await database_sync_to_async(_token)(username) if username else None
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if key and header:
        headers.append((b"authorization", f"Token {key}".encode()))
    comm = WebsocketCommunicator(application(), path + (f"?token={key}" if key and not header
                                                        else ""), headers=headers)
    connected, code = await comm.connect(timeout=5)
    return comm, connected, code


async def listening(username: str):
    """An open socket as ``username`` past its ``hello``."""
    comm, connected, code = await connect(username)
    assert connected, code
    assert (await comm.receive_json_from())["type"] == "hello"
    return comm


def _act(client, number, action, data=None, fmt="json"):
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = client.post(f"/api/cases/{number}/actions/{action}/", data or {}, format=fmt)
    assert r.status_code == 200, r.content
    return r.json()


act = database_sync_to_async(_act)


def _report_live(client, form):
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = client.post("/api/reports/", form, format="multipart")
    assert r.status_code == 201, r.content
    return r.json()["number"]


report_live = database_sync_to_async(_report_live)


async def drain(comm, timeout: float = 0.3) -> list[dict]:
    """Every message that arrives within ``timeout`` of the previous one. (``receive_nothing``
    first: a ``receive_*`` that times out cancels the application under test.)"""
    out = []
    while not await comm.receive_nothing(timeout):
        out.append(await comm.receive_json_from())
    return out


async def until(comm, *types: str, timeout: float = 10.0) -> list[dict]:
    """Every message up to and including the first whose type is one of ``types``: for an
    answer that must come (``resumed``, ``reset``), where ``drain``'s quiet period would take a
    slow replay on a busy machine for no answer at all."""
    out: list[dict] = []
    while not out or out[-1]["type"] not in types:
        out.append(await comm.receive_json_from(timeout))
    return out

"""The timer inside the server (``make run``'s embedded default): a light change is recorded
and pushed through the server's own channel layer within a second or two, and the lock is
given back when the loop stops."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from django.utils import timezone

from server.cases import timers
from server.cases.models import Case
from server.realtime.groups import CENTER


@pytest.fixture
def own_channel_layer(settings):
    layers = json.loads(json.dumps(settings.CHANNEL_LAYERS))
    if layers["default"].get("CONFIG") is not None:
        layers["default"]["CONFIG"]["prefix"] = f"t{uuid.uuid4().hex[:10]}"
    settings.CHANNEL_LAYERS = layers
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.mark.django_db(transaction=True)
def test_the_timer_inside_the_server_pushes_a_light_change(cast, report, own_channel_layer):
    from django.db import connection

    if connection.vendor == "sqlite":
        # The timer's thread sees only committed rows, so this test commits; emptying the
        # tables afterwards deletes events, which SQLite's append-only trigger refuses
        # (PostgreSQL empties them with TRUNCATE, which row triggers do not see).
        pytest.skip("a committing test cannot be cleaned up on SpatiaLite")
    number = report()
    Case.objects.filter(number=number).update(deadline=timezone.now() - timedelta(seconds=1))

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(CENTER, channel)
        started = time.monotonic()
        task = asyncio.get_running_loop().create_task(timers.run_in_server(0.2))
        try:
            while True:
                msg = json.loads((await asyncio.wait_for(layer.receive(channel), 10))["text"])
                if msg["case"]["number"] == number and msg["event"]["action"] == "timer":
                    return msg, time.monotonic() - started
        finally:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    msg, seconds = async_to_sync(scenario)()
    assert msg["case"]["light"] == "red" and seconds < 2.0
    assert Case.objects.get(number=number).light == "red"
    with timers.single_runner(wait=False) as held:  # the loop gave the lock back
        assert held

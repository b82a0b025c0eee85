"""server/realtime/layer_watch.py: the hub notices by itself, through public interfaces only,
that the channel layer failed (Redis away, Redis restarted), and events flow again after it.

On a redis-server of the test's own (started and restarted here), with channels_redis's
pub/sub layer, as in production."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time

import pytest
from asgiref.sync import async_to_sync
from channels_redis.pubsub import RedisPubSubChannelLayer

from server.realtime import layer_watch
from server.realtime.hub import Hub, Listener, redis_connect
from tests.e2e.server_process import free_port

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")


def answers_ping(port: int, what: str) -> None:
    """Wait until a Redis server or sentinel on ``port`` answers PING (20 s at most)."""
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.05)


class OwnRedis:
    def __init__(self, tmp_path):
        self.port, self.dir, self.proc = free_port(), tmp_path, None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)], stdout=subprocess.DEVNULL)
        answers_ping(self.port, "redis-server")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture
def fast_probes(monkeypatch):
    monkeypatch.setattr(layer_watch, "PROBE_EVERY_S", 0.1)
    monkeypatch.setattr(layer_watch, "PROBE_LOST_S", 1.0)
    monkeypatch.setattr(layer_watch, "_last", float("-inf"))


async def wait_for(condition, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            return False
        await asyncio.sleep(0.05)
    return True


def test_a_redis_restart_is_noticed_and_events_flow_again(tmp_path, fast_probes, settings):
    redis = OwnRedis(tmp_path)
    redis.start()
    settings.REDIS_URL = redis.url  # the probe's own connection watches this server
    layer = RedisPubSubChannelLayer(hosts=[redis.url], prefix="watch")

    async def scenario():
        got: list[int] = []

        async def send(message):
            got.append(json.loads(message["text"])["n"])

        hub, listener = Hub(layer), Listener(send)
        listener.release()
        await hub.join("g", listener)
        try:
            await asyncio.sleep(0.6)  # several probes went through and came back
            assert layer_watch.last() == float("-inf")
            await layer.group_send("g", {"type": "case.message", "group": "g", "event_id": 1,
                                         "text": json.dumps({"n": 1})})
            assert await wait_for(lambda: got == [1])
            before = time.monotonic()
            await asyncio.get_running_loop().run_in_executor(None, redis.stop)
            await asyncio.get_running_loop().run_in_executor(None, redis.start)
            assert await wait_for(lambda: layer_watch.last() > before)
            # Once the layer has subscribed again, live events come through as before.
            n = 1
            while got[-1] == 1:
                n += 1
                assert n < 200, "no event came through after the restart"
                try:
                    await layer.group_send("g", {"type": "case.message", "group": "g",
                                                 "event_id": n, "text": json.dumps({"n": n})})
                except Exception:  # the publishing connection reconnects too
                    pass
                await asyncio.sleep(0.05)
        finally:
            hub.stop()
            listener.close()
            await layer.flush()

    try:
        async_to_sync(scenario)()
    finally:
        redis.stop()


def test_a_layer_whose_redis_is_away_is_noticed(fast_probes, settings):
    """Nothing listens where the layer points: the probe's send raises, and that is noted."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = url
    layer = RedisPubSubChannelLayer(hosts=[url], prefix="watch")

    async def scenario():
        probe = layer_watch.Probe(lambda m: layer.send("watch.nobody", m), "hub.probe")
        await probe.once()
        assert layer_watch.last() > float("-inf")
        await layer.flush()

    async_to_sync(scenario)()


class OwnSentinel:
    """A redis-sentinel of the test's own, watching one master as master name "dcm"."""

    def __init__(self, tmp_path, master_port: int):
        self.port, self.proc = free_port(), None
        self.conf = tmp_path / "sentinel.conf"
        self.conf.write_text(f"port {self.port}\nbind 127.0.0.1\ndir {tmp_path}\n"
                             f"sentinel monitor dcm 127.0.0.1 {master_port} 1\n")

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-sentinel", str(self.conf)], stdout=subprocess.DEVNULL)
        answers_ping(self.port, "redis-sentinel")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.mark.skipif(not shutil.which("redis-sentinel"), reason="needs redis-sentinel")
def test_behind_sentinel_the_probe_watches_the_master_the_sentinels_name(tmp_path, fast_probes,
                                                                          settings):
    """With REDIS_SENTINELS (no REDIS_URL) the probe still sees the master restart: it asks the
    sentinels for the master, as the layer does."""
    redis = OwnRedis(tmp_path)
    redis.start()
    sentinel = OwnSentinel(tmp_path, redis.port)
    sentinel.start()
    settings.REDIS_URL = ""
    settings.REDIS_SENTINELS = f"127.0.0.1:{sentinel.port}"
    settings.REDIS_SENTINEL_MASTER = "dcm"
    layer = RedisPubSubChannelLayer(
        hosts=[{"sentinels": [("127.0.0.1", sentinel.port)], "master_name": "dcm"}],
        prefix="watch")
    connect = redis_connect(layer)
    assert connect is not None

    async def scenario():
        client = connect(socket_timeout=2, socket_connect_timeout=2)
        probe = layer_watch.Probe(lambda m: layer.send("watch.nobody", m), "hub.probe")
        try:
            await probe.once(client)
            assert layer_watch.last() == float("-inf")  # first sight of the master
            await asyncio.get_running_loop().run_in_executor(None, redis.stop)
            await asyncio.get_running_loop().run_in_executor(None, redis.start)
            before = time.monotonic()
            for _ in range(50):  # the client reconnects through the sentinels
                await probe.once(client)
                if layer_watch.last() > before:
                    break
                await asyncio.sleep(0.1)
            assert layer_watch.last() > before
        finally:
            await client.aclose()
            await layer.flush()

    try:
        async_to_sync(scenario)()
    finally:
        sentinel.stop()
        redis.stop()


def test_an_in_memory_layer_has_no_redis_to_watch():
    from channels.layers import InMemoryChannelLayer

    assert redis_connect(InMemoryChannelLayer()) is None

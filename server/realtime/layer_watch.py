"""Watching the channel layer (通道故障补发): when this worker last saw it fail, so that its
sockets catch up by themselves.

A Redis restart loses the events published while it is down (the publish fails) and in the
moment before each worker subscribes again (the publish reaches nobody). A socket that stayed
open never notices: no drop, so no resume, and its cursor moves on past the hole. So every
failure a worker can see is noted here (``note``), and each socket then replays the log from
where it was on its next ping (``EventsConsumer.on_ping``, for ``SETTLE_S`` after the last
failure). Without a failure only one ping a minute costs a query (``CATCH_UP_EVERY_S``): the
catch-up for what no worker can notice (a worker killed between a commit and its push).

What counts as a failure, all through public interfaces this project owns or calls:

- our own sender's publish raised (``server.realtime.send``);
- the hub's receive from the layer raised (the core Redis layer raises when Redis is away);
- ``Probe``: every ``PROBE_EVERY_S`` the hub sends a probe through the layer to its own channel
  (``channel_layer.send``); a send that raises, or a probe not back within ``PROBE_LOST_S``, is
  a failure. (The pub/sub layer reconnects by itself and never raises from ``receive``: a probe
  sent while its subscription is down is lost, and so noticed.)
- with a Redis channel layer, the Redis server's ``run_id`` (``INFO server``, on a connection
  of the probe's own) changed since the last probe: Redis restarted between two probes, too
  quickly for a probe to be lost, and its subscribers may have missed what was published
  before they subscribed again. Behind Sentinel the connection follows the master the
  sentinels name, so a failover (a new master, a new ``run_id``) is noticed the same way.

A subscriber connection that drops and comes back between two probes, without a restart, is
not seen: the minute's catch-up covers it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

#: How long after the last failure pings still catch up: covers the moment the layer needs to
#: subscribe again after Redis is back (channels_redis retries its receive loop each second).
SETTLE_S = 30.0
#: How often the hub probes the layer (one small message a second per worker).
PROBE_EVERY_S = 1.0
#: A probe not back after this long was lost (late only costs a catch-up per socket).
PROBE_LOST_S = 5.0

_last = float("-inf")


def note(reason: str) -> None:
    """The channel layer failed now (``reason`` says how, for the log)."""
    global _last
    if time.monotonic() - _last > 1.0:  # one line per outage, not one per probe or publish
        log.warning("realtime: channel layer failure (%s): sockets catch up on their next ping",
                    reason)
    _last = time.monotonic()


def last() -> float:
    """``time.monotonic()`` of the last failure noted, or -inf."""
    return _last


class Probe:
    """The probes of one hub through its layer to its own channel, and the Redis server's
    identity. ``run()`` loops until cancelled; the hub's receive loop hands each probe that
    comes back to ``back(n)``.

    ``connect(**timeouts)``, when given, returns the async Redis client whose server identity
    is watched (a plain URL's, or the master Sentinel names); without it only probes count."""

    def __init__(self, send: Callable[[dict[str, Any]], Awaitable[None]], message_type: str,
                 connect: Callable[..., Redis] | None = None):
        self._send = send
        self._type = message_type
        self._connect = connect
        self._out: dict[int, float] = {}  # probe number -> when it was sent
        self._n = 0
        self._run_id: str | None = None

    def back(self, n: int) -> None:
        self._out.pop(n, None)

    async def run(self) -> None:
        redis = None
        if self._connect is not None:
            redis = self._connect(socket_timeout=PROBE_LOST_S, socket_connect_timeout=PROBE_LOST_S)
        try:
            while True:
                await self.once(redis)
                await asyncio.sleep(PROBE_EVERY_S)
        finally:
            if redis is not None:
                await redis.aclose()

    async def once(self, redis=None) -> None:
        now = time.monotonic()
        lost = [n for n, at in self._out.items() if now - at > PROBE_LOST_S]
        for n in lost:
            del self._out[n]
        if lost:
            note(f"{len(lost)} probe(s) through the layer did not come back")
        self._n += 1
        self._out[self._n] = now
        try:
            await self._send({"type": self._type, "n": self._n})
        except Exception as exc:
            self._out.pop(self._n, None)
            note(f"a probe through the layer failed: {exc!r}")
        if redis is not None:
            try:
                run_id = (await redis.info("server"))["run_id"]
            except Exception as exc:
                note(f"Redis did not answer INFO: {exc!r}")
                return
            if self._run_id is not None and run_id != self._run_id:
                note("the Redis server restarted")
            self._run_id = run_id

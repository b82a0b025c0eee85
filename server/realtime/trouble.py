"""When this worker last saw the channel layer fail, so its sockets can catch up by themselves.

A Redis restart loses the events published while it is down (the publish fails) and in the
moment before each worker subscribes again (the publish reaches nobody). A socket that stayed
open never notices: no drop, so no resume, and its cursor moves on past the hole. So every
failure this worker sees is noted here, from our own sender (``send``) and from channels_redis'
receive loop (it logs its errors and carries on); each socket then replays the log from where
it was on its next ping (``EventsConsumer.on_ping``). Without trouble only one ping a minute
(``CATCH_UP_EVERY_S``) costs a query: the catch-up for what no worker can notice.
"""

from __future__ import annotations

import logging
import time

#: How long after the last failure pings still catch up: covers the moment the layer needs to
#: subscribe again after Redis is back (channels_redis retries its receive loop each second).
SETTLE_S = 30.0

_last = float("-inf")


def note() -> None:
    """The layer failed now (a publish raised, the receive loop lost its connection)."""
    global _last
    _last = time.monotonic()


def last() -> float:
    """``time.monotonic()`` of the last failure noted, or -inf."""
    return _last


class _Noter(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        note()


def watch_channels_redis() -> None:
    """Note every error channels_redis logs (once per process; called by the app's ready)."""
    logger = logging.getLogger("channels_redis")
    if not any(isinstance(h, _Noter) for h in logger.handlers):
        logger.addHandler(_Noter(level=logging.ERROR))

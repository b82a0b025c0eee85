"""Redis through Sentinel (settings: REDIS_SENTINELS, REDIS_SENTINEL_MASTER).

channels-redis follows Sentinel by itself (a host ``{"sentinels": [...], "master_name": ...}``).
Django's Redis cache takes a connection pool class with ``from_url``: :class:`SentinelPool`
is redis-py's own ``SentinelConnectionPool`` behind that door, so after a failover the cache
(the request throttles) asks the sentinels for the new master, as the channel layer does.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from redis.sentinel import Sentinel, SentinelConnectionPool


def parse_sentinels(value: str) -> list[tuple[str, int]]:
    """``"host:port,host:port"`` -> [(host, port), ...]; a clear error names a bad entry."""
    out = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        host, sep, port = item.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"REDIS_SENTINELS: {item!r} is not host:port "
                             "(e.g. 10.0.0.7:26379,10.0.0.8:26379,10.0.0.9:26379)")
        out.append((host, int(port)))
    if not out:
        raise ValueError("REDIS_SENTINELS names no sentinel")
    return out


class SentinelPool(SentinelConnectionPool):
    """Django cache pool: ``LOCATION`` is ``sentinel://<master name>/<db>``; the sentinels
    come in the cache's OPTIONS as ``sentinels`` (a list of (host, port))."""

    @classmethod
    def from_url(cls, url, sentinels=(), **kwargs):
        parts = urlsplit(url)
        db = int(parts.path.strip("/") or 0)
        return cls(parts.hostname, Sentinel(list(sentinels)), db=db, **kwargs)

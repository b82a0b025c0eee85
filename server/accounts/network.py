"""Who is on the other end of a request, and what of the request may be written down.

``client_address(request)`` is the one answer to "the client's address" for every per-address
rule (login backoff, the audit trail, the Open311, portal and camera rate limits, the request
log). ``X-Forwarded-For`` is believed only from a proxy listed in ``settings.TRUSTED_PROXIES``
(CIDRs; default none): anyone else could write any address there and get a fresh limit with
every request. Behind trusted proxies the header is read from the right, skipping the trusted
hops, and the first address that is not a trusted proxy is the client (the left part of the
header is whatever the client chose to send).

``logged_path(request)`` is the request's path and query as logs and the audit trail keep it:
the values of secret parameters (``api_key``, ``token``, ``password`` ...) become ``***``.

Imports Django's settings only; every app may use it.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from django.conf import settings

#: Query parameters whose values never reach a log line or the audit trail.
SECRET_PARAMETERS = frozenset({"api_key", "apikey", "key", "token", "access_token", "password",
                               "secret"})


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def trusted_networks() -> tuple:
    """``settings.TRUSTED_PROXIES`` as networks (a str of comma-separated CIDRs or a list)."""
    raw = getattr(settings, "TRUSTED_PROXIES", ())
    if isinstance(raw, str):
        raw = raw.split(",")
    return _networks(tuple(raw))


def _parse(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def client_address(request) -> str | None:
    """The client's IP address as text, or None without a request or a peer address.

    The peer (``REMOTE_ADDR``) unless it is a trusted proxy; then the right-most address of
    ``X-Forwarded-For`` that is not a trusted proxy. A malformed entry stops the walk: the hop
    before it (trusted) is answered, so garbage never becomes a fresh identity."""
    if request is None:
        return None
    meta = request.META
    peer = _parse(meta.get("REMOTE_ADDR") or "")
    if peer is None:
        return None
    networks = trusted_networks()
    if not networks or not _trusted(peer, networks):
        return str(peer)
    hops = [h for h in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    current = peer
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break
        current = address
        if not _trusted(address, networks):
            break
    return str(current)


def redact_query(query: str) -> str:
    """``query`` (without its ``?``) with the values of secret parameters replaced by ``***``."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "***" if k.lower() in SECRET_PARAMETERS else v) for k, v in pairs],
                     safe="*")


def logged_path(request, limit: int = 300) -> str:
    """The request's path and query as a log keeps it: secrets redacted, cut at ``limit``."""
    query = redact_query(request.META.get("QUERY_STRING", ""))
    return (request.path + (f"?{query}" if query else ""))[:limit]

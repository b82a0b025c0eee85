"""Which web pages may open a websocket: the site itself, port included, or a trusted origin.

A browser sends its cookies with a websocket to any port of a host (cookies are not scoped by
port), and a websocket is not bound by the same-origin policy. So a page served from another
port of the same host (another service, a developer's tool) could open ``/ws/events/`` with a
signed-in user's session and read the stream. Channels' ``AllowedHostsOriginValidator``
compares only the origin's host name with ``ALLOWED_HOSTS``; this check compares scheme, host
and port:

- the ``Origin`` header's host and port (the scheme's default port when it names none) must
  be those of the ``Host`` header the client connected with (a ``Host`` without a port is read
  with the origin scheme's default port: behind a TLS proxy the page is ``https://site`` and
  the socket's ``Host`` is ``site``), and that host must be in ``ALLOWED_HOSTS`` (else a
  rebound DNS name would pass as its own origin); or
- the origin is one of ``CSRF_TRUSTED_ORIGINS`` (``scheme://host[:port]``, ``*.`` for any
  subdomain), the same list Django's CSRF check trusts, for a page served from another host.

A socket without an ``Origin`` is refused: browsers always send one, and the handset and the
benchmark clients send their server's URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import is_same_domain, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _origin(text: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin or a trusted-origin pattern; None if it is not one."""
    try:
        parts = urlsplit(text.strip().lower())
        port = parts.port
    except ValueError:  # a port that is not a number or out of range
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def origin_allowed(scope) -> bool:
    """Whether the websocket handshake in ``scope`` comes from an allowed page (see above)."""
    header = _header(scope, b"origin")
    origin = _origin(header) if header else None
    if origin is None:
        return False
    scheme, host, port = origin
    for pattern in getattr(settings, "CSRF_TRUSTED_ORIGINS", ()):
        subdomains = "://*." in pattern
        trusted = _origin(pattern.replace("://*.", "://", 1))
        if trusted is None or (trusted[0], trusted[2]) != (scheme, port):
            continue
        if host == trusted[1] or (subdomains and is_same_domain(host, "." + trusted[1])):
            return True
    served = _header(scope, b"host")
    if not served:
        return False
    try:
        parts = urlsplit("//" + served.strip().lower())
        served_port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        return False
    if not parts.hostname or not validate_host(parts.hostname, settings.ALLOWED_HOSTS):
        return False
    return (parts.hostname, served_port) == (host, port)


class SameOriginValidator:
    """ASGI middleware for websockets: the application gets only handshakes from an allowed
    origin (``origin_allowed``); the others are refused before they are accepted (the server
    answers 403), as Channels' ``OriginValidator`` does."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            raise ValueError("SameOriginValidator is for websocket connections only")
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.close", "code": 4403})

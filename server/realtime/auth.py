"""Websocket authentication: the Django session (pages), or an API token (``server.accounts.
tokens``: an expired or unknown token is anonymous) in the handshake's ``Authorization: Token
<key>`` header (the handset, scripts) or, for clients that cannot set a header, in
``?token=<key>``. The header is preferred: a query string is written into access logs and
proxies' logs. A connection with none is anonymous and the consumer refuses it."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def _user_for_token(key: str):
    from server.accounts.tokens import user_for_key

    return user_for_key(key) or AnonymousUser()


class _TokenMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        key = _header_token(scope) or parse_qs(
            scope.get("query_string", b"").decode("latin-1")).get("token", [None])[0]
        if key is not None:
            scope = dict(scope, user=await _user_for_token(key))
        return await self.inner(scope, receive, send)


def _header_token(scope) -> str | None:
    """The key of an ``Authorization: Token <key>`` handshake header, or None."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() == "token" and key.strip():
                return key.strip()
    return None


def TokenOrSessionAuthMiddleware(inner):  # noqa: N802 (reads like the Channels stacks)
    # The session stack sets scope["user"] first; a token, when given, then overrides it.
    return AuthMiddlewareStack(_TokenMiddleware(inner))

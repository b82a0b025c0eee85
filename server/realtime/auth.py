"""Websocket authentication: the Django session (pages) or ``?token=<API token>`` (handsets,
scripts and tests; ``server.accounts.tokens``: an expired or unknown token is anonymous). A
connection with neither is anonymous and the consumer refuses it."""

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
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if "token" in query:
            scope = dict(scope, user=await _user_for_token(query["token"][0]))
        return await self.inner(scope, receive, send)


def TokenOrSessionAuthMiddleware(inner):  # noqa: N802 (reads like the Channels stacks)
    # The session stack sets scope["user"] first; a token, when given, then overrides it.
    return AuthMiddlewareStack(_TokenMiddleware(inner))

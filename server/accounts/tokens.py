"""API tokens that expire and are stored hashed (``ApiToken``).

A login (``POST /api/auth/token/``) issues a new random key, answers it once and stores only
its SHA-256: a copy of the database or a backup lets nobody in. The key is 160 random bits, so
a plain unsalted hash is enough (nothing to guess) and lets a request find its row by one
indexed lookup.

Lifetime (docs/security.md): a token expires ``TOKEN_IDLE_DAYS`` (default 30) after it was last
used, and in any case ``TOKEN_MAX_DAYS`` (default 90) after the login that issued it. Use is
written at most once an hour (``TOUCH``), so a request does not become a database write. An
expired token is answered 401 with the code ``token_expired``; the handset then asks its user to
sign in again and keeps its outbox. Each user keeps at most ``TOKENS_PER_USER`` tokens (the
oldest go first): one per device they signed in on.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from server.accounts.models import ApiToken

TOUCH = timedelta(hours=1)
TOKENS_PER_USER = 10


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = "token expired: sign in again (POST /api/auth/token/)"
    default_code = "token_expired"


def idle_limit() -> timedelta:
    return timedelta(days=float(getattr(settings, "TOKEN_IDLE_DAYS", 30)))


def max_age() -> timedelta:
    return timedelta(days=float(getattr(settings, "TOKEN_MAX_DAYS", 90)))


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def expires_at(token: ApiToken):
    """When ``token`` expires if it is not used again."""
    return min(token.last_used + idle_limit(), token.created + max_age())


def issue(user) -> tuple[str, ApiToken]:
    """A new token for ``user``: (the key, shown only now; its row). Drops the user's expired
    tokens and the oldest beyond ``TOKENS_PER_USER``."""
    now = timezone.now()
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(digest=digest(key), user=user, created=now, last_used=now)
    prune(now)
    keep = list(ApiToken.objects.filter(user=user).order_by("-created")
                .values_list("pk", flat=True)[:TOKENS_PER_USER])
    ApiToken.objects.filter(user=user).exclude(pk__in=keep).delete()
    return key, token


def prune(now=None) -> int:
    """Deletes every expired token; answers how many."""
    now = now or timezone.now()
    deleted, _ = ApiToken.objects.filter(last_used__lt=now - idle_limit()).delete()
    more, _ = ApiToken.objects.filter(created__lt=now - max_age()).delete()
    return deleted + more


def lookup(key: str) -> ApiToken:
    """The live token of ``key`` with its user; raises AuthenticationFailed (unknown key,
    inactive user) or TokenExpired (and deletes the expired row)."""
    token = (ApiToken.objects.select_related("user", "user__department")
             .filter(digest=digest(key)).first())
    if token is None:
        raise exceptions.AuthenticationFailed("Invalid token.")
    now = timezone.now()
    if expires_at(token) <= now:
        token.delete()
        raise TokenExpired()
    if not token.user.is_active:
        raise exceptions.AuthenticationFailed("User inactive or deleted.")
    if now - token.last_used >= TOUCH:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
    return token


def user_for_key(key: str):
    """The active user of a live token, or None (the websocket's ``?token=``)."""
    try:
        return lookup(key).user
    except exceptions.AuthenticationFailed:
        return None


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's ``Authorization: Token <key>`` over ``ApiToken``: hashed keys, expiry."""

    def authenticate_credentials(self, key):
        token = lookup(key)
        return token.user, token

"""The audit trail of authentication and access: every login (session or token), failed login,
permission failure (any 401/403 answer, API or page) and token revocation.

Paths are kept with their secrets redacted (``network.logged_path``: an ``api_key`` in a query
string never reaches the table). Anonymous refusals are folded: at most one row per address,
path and status a minute, its ``count`` the number of refusals, so a flood of anonymous
requests cannot grow the table faster than its addresses and paths; past ``FOLD_PATHS`` paths
from one address in that minute, the rest share one row whose path is ``*``.

Failed logins feed the backoff (``server.accounts.lockout``); a login clears its pair.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone

from server.accounts import lockout
from server.accounts.network import client_address, logged_path

#: Anonymous refusals from one address are folded per this window...
FOLD_WINDOW = timedelta(minutes=1)
#: ... into at most this many paths, then into one ``*`` row.
FOLD_PATHS = 20


def record(auth_event: str, request=None, *, user=None, username: str = "", status=None,
           detail: str = "") -> None:
    from server.accounts.models import AuthAudit

    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    AuthAudit.objects.create(
        auth_event=auth_event, user=user,
        username=(username or getattr(user, "username", ""))[:150],
        ip=client_address(request), method=(getattr(request, "method", "") or "")[:8],
        path=(logged_path(request) if request is not None else ""), status=status,
        detail=detail[:300])


def record_anonymous_refusal(request, status: int) -> None:
    """A 401/403 to nobody in particular: counted into this minute's row for the address and
    path (or its ``*`` row), created when there is none."""
    from server.accounts.models import AuthAudit

    address = client_address(request)
    path = logged_path(request)
    since = timezone.now() - FOLD_WINDOW
    recent = AuthAudit.objects.filter(auth_event="denied", user__isnull=True, ip=address,
                                      status=status, at__gte=since)
    for candidate in (path, "*"):
        if recent.filter(path=candidate).update(count=F("count") + 1):
            return
    if recent.count() >= FOLD_PATHS:
        path = "*"
    AuthAudit.objects.create(auth_event="denied", ip=address, status=status, path=path,
                             method=(request.method or "")[:8])


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    lockout.record_success(user.get_username(), request)
    record("login", request, user=user, detail="session")


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    lockout.record_failure(username, request)
    record("login_failed", request, username=username)


class AuditMiddleware:
    """Records every 401 and 403 answer (API refusals and pages alike)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (401, 403):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                record("denied", request, user=user, status=response.status_code)
            else:
                record_anonymous_refusal(request, response.status_code)
        return response

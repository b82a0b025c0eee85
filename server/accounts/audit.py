"""The audit trail of authentication and access: every login (session or token), failed login,
permission failure (any 401/403 answer, API or page) and token revocation.

Failed logins are also counted per username and per address: past ``LOGIN_FAILURE_LIMIT`` for
one username, or ``ADDRESS_FAILURE_LIMIT`` from one address, in ``LOGIN_LOCK_SECONDS`` further
attempts are refused without checking the password (throttling), so a password cannot be
guessed at speed. The address limit is higher: a whole centre may sit behind one address.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver

LOGIN_FAILURE_LIMIT = 10
ADDRESS_FAILURE_LIMIT = 100
LOGIN_LOCK_SECONDS = 15 * 60


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(auth_event: str, request=None, *, user=None, username: str = "", status=None,
           detail: str = "") -> None:
    from server.accounts.models import AuthAudit

    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    AuthAudit.objects.create(
        auth_event=auth_event, user=user,
        username=(username or getattr(user, "username", ""))[:150],
        ip=client_ip(request), method=(getattr(request, "method", "") or "")[:8],
        path=(request.get_full_path()[:300] if request is not None else ""), status=status,
        detail=detail[:300])


def _keys(username: str, request) -> list[str]:
    return [f"dcm-login-fail:u:{username.lower()}", f"dcm-login-fail:ip:{client_ip(request)}"]


def login_locked(username: str, request) -> bool:
    by_user, by_address = (cache.get(k) or 0 for k in _keys(username, request))
    return by_user >= LOGIN_FAILURE_LIMIT or by_address >= ADDRESS_FAILURE_LIMIT


def count_failure(username: str, request) -> None:
    for key in _keys(username, request):
        cache.add(key, 0, LOGIN_LOCK_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, LOGIN_LOCK_SECONDS)


def clear_failures(username: str, request) -> None:
    cache.delete(_keys(username, request)[0])


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    clear_failures(user.username, request)
    record("login", request, user=user, detail="session")


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    count_failure(username, request)
    record("login_failed", request, username=username)


class AuditMiddleware:
    """Records every 401 and 403 answer (API refusals and pages alike)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (401, 403):
            user = getattr(request, "user", None)
            record("denied", request, user=user, status=response.status_code)
        return response

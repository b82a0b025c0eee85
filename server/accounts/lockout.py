"""Login backoff: every password login (the token endpoint, the sign-in page, the admin's) is
slowed after failures, with the state in the database, so all workers share it and a restart
keeps it.

Rules (docs/security.md):

- Failures are counted per (username, address). The first ``FREE_FAILURES`` cost nothing; each
  further one blocks that pair for ``BASE_DELAY`` doubling up to ``MAX_DELAY`` seconds. While
  blocked, attempts are refused without checking the password and do not count, so an attacker
  cannot hold a block longer than the failures he already made earn.
- A correct login of a pair that is not blocked always succeeds and forgets the pair. Nobody
  else's failures block it: another address cannot lock a user out, and one address behind a
  carrier's NAT cannot lock out every handset behind it.
- Failures are also counted per address. Past ``ADDRESS_FAILURE_LIMIT`` (in the memory
  window) an address gets no free failures: every failing username from it is blocked at once,
  which stops guessing one password across many usernames, while correct logins still pass.
- A pair or address is forgotten ``MEMORY`` after its last failure.
- A username longer than ``MAX_USERNAME`` characters is refused before anything is counted.

Keys are HMACs of the username and address (``LoginThrottle.key``): fixed size, and the table
names nobody. ``GuardedModelBackend`` puts the rule under every door that authenticates with a
password; the doors themselves ask ``wait_seconds`` first to say why they refuse.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from server.accounts.models import LoginThrottle
from server.accounts.network import client_address

FREE_FAILURES = 5
BASE_DELAY = 15.0
MAX_DELAY = 15 * 60.0
ADDRESS_FAILURE_LIMIT = 100
MEMORY = timedelta(hours=1)
MAX_USERNAME = 150


def _key(*parts: str) -> str:
    return salted_hmac("dcm.login-throttle", "\0".join(parts), algorithm="sha256").hexdigest()


def _pair_key(username: str, address: str | None) -> str:
    return _key("pair", username.casefold(), address or "-")


def _address_key(address: str | None) -> str:
    return _key("address", address or "-")


def delay_after(failures: int, free: int = FREE_FAILURES) -> float:
    """Seconds a pair is blocked after its ``failures``-th failure (0 while free)."""
    if failures <= free:
        return 0.0
    return min(MAX_DELAY, BASE_DELAY * 2 ** min(failures - free - 1, 32))


def wait_seconds(username: str, request) -> int:
    """Whole seconds until ``username`` may try again from ``request``'s address (0: now)."""
    row = LoginThrottle.objects.filter(key=_pair_key(username, client_address(request)),
                                       blocked_until__isnull=False).first()
    if row is None:
        return 0
    left = (row.blocked_until - timezone.now()).total_seconds()
    return max(0, math.ceil(left))


def _count(key: str, now):
    """Adds one failure to ``key``'s row (a fresh count once ``MEMORY`` has passed)."""
    row, created = LoginThrottle.objects.select_for_update().get_or_create(
        key=key, defaults={"failures": 1, "last_failure": now})
    if not created:
        row.failures = 1 if now - row.last_failure > MEMORY else row.failures + 1
        row.last_failure = now
    return row


def record_failure(username: str, request) -> None:
    """Counts a failed password for ``username`` from ``request``'s address and blocks the
    pair as the rules say. A failure while the pair is blocked is not counted."""
    if len(username) > MAX_USERNAME:
        return
    address = client_address(request)
    now = timezone.now()
    with transaction.atomic():
        pair = LoginThrottle.objects.select_for_update().filter(
            key=_pair_key(username, address)).first()
        if pair is not None and pair.blocked_until and pair.blocked_until > now:
            return
        by_address = _count(_address_key(address), now)
        by_address.save()
        pair = _count(_pair_key(username, address), now)
        free = 0 if by_address.failures > ADDRESS_FAILURE_LIMIT else FREE_FAILURES
        delay = delay_after(pair.failures, free)
        pair.blocked_until = now + timedelta(seconds=delay) if delay else None
        pair.save()
        # Bounded table: what is past its memory goes (an indexed range, usually empty).
        LoginThrottle.objects.filter(last_failure__lt=now - MEMORY).delete()


def record_success(username: str, request) -> None:
    """A correct login: the pair's failures are forgotten (the address's are not)."""
    LoginThrottle.objects.filter(key=_pair_key(username, client_address(request))).delete()


def refusal(wait: int) -> str:
    """The words of a refusal (the same on every door), in the request's language."""
    return _("too many failed logins for this username from this address: try again in "
             "%(n)s s") % {"n": wait}


class GuardedModelBackend(ModelBackend):
    """Django's username/password backend under the backoff rule, so no login door can skip
    it: a blocked pair or an over-long username is refused without checking the password.
    (Refusing raises PermissionDenied, which Django turns into a failed login; a failure while
    blocked is not counted, see ``record_failure``.)"""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and len(str(username)) > MAX_USERNAME:
            raise PermissionDenied(f"a username has at most {MAX_USERNAME} characters")
        if request is not None and username is not None and wait_seconds(str(username), request):
            raise PermissionDenied("login blocked")
        return super().authenticate(request, username=username, password=password, **kwargs)

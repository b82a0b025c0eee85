"""Login backoff on every door: the token endpoint, the sign-in page and the admin's, with its
state in the database, per (username, address), never locking out a correct login from an
address for someone else's failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from server.accounts import lockout
from server.accounts.models import AuthAudit, LoginThrottle
from server.maps.demo_loader import DEMO_PASSWORD

HOME, OTHER = "10.1.1.1", "10.2.2.2"


def token_login(client, username, password, address=HOME):
    return client.post("/api/auth/token/", {"username": username, "password": password},
                       content_type="application/json", REMOTE_ADDR=address)


def form_login(client, username, password, address=HOME, door="/accounts/login/"):
    return client.post(door, {"username": username, "password": password},
                       REMOTE_ADDR=address)


def fail(client, username, times, address=HOME):
    for _ in range(times):
        assert token_login(client, username, "wrong", address).status_code == 400


def unblock_all():
    """The block's time has passed (as after waiting)."""
    LoginThrottle.objects.update(blocked_until=timezone.now() - timedelta(seconds=1))


def test_backoff_blocks_the_pair_only_and_grows(cast, client):
    fail(client, "dispatcher", lockout.FREE_FAILURES + 1)
    r = token_login(client, "dispatcher", DEMO_PASSWORD)  # right password, but blocked
    assert r.status_code == 429
    body = r.json()["error"]
    # in the request's language: Chinese by default (this client asks for none)
    assert body["code"] == "throttled" and f"{body['retry_after']} 秒后再试" in body["message"]
    assert 0 < int(r["Retry-After"]) <= lockout.BASE_DELAY == body["retry_after"]
    # the same user from another address, and another user here, are not blocked
    assert token_login(client, "dispatcher", DEMO_PASSWORD, OTHER).status_code == 200
    assert token_login(client, "acceptor", DEMO_PASSWORD).status_code == 200
    # attempts while blocked neither count nor lengthen the block (an attacker cannot hold it)
    row = LoginThrottle.objects.get(blocked_until__isnull=False)
    for _ in range(5):
        assert token_login(client, "dispatcher", "wrong").status_code == 429
    assert LoginThrottle.objects.get(pk=row.pk).blocked_until == row.blocked_until
    # the next failure after the block doubles it
    unblock_all()
    fail(client, "dispatcher", 1)
    assert token_login(client, "dispatcher", DEMO_PASSWORD).json()["error"]["retry_after"] > \
        lockout.BASE_DELAY
    unblock_all()
    assert token_login(client, "dispatcher", DEMO_PASSWORD).status_code == 200
    assert not LoginThrottle.objects.filter(blocked_until__gt=timezone.now()).exists()
    assert AuthAudit.objects.filter(auth_event="login_failed", username="dispatcher",
                                    detail="blocked").count() == 7


def test_delays_double_up_to_the_cap():
    free = lockout.FREE_FAILURES
    assert [lockout.delay_after(n) for n in range(free + 1)] == [0.0] * (free + 1)
    assert lockout.delay_after(free + 1) == lockout.BASE_DELAY
    assert lockout.delay_after(free + 2) == 2 * lockout.BASE_DELAY
    assert lockout.delay_after(free + 100) == lockout.MAX_DELAY


def test_the_state_is_shared_through_the_database(cast, client):
    """Another worker, or this one after a restart, sees the block: it is not in a process's
    memory or cache."""
    fail(client, "dispatcher", lockout.FREE_FAILURES + 1)
    cache.clear()
    assert token_login(client, "dispatcher", DEMO_PASSWORD).status_code == 429
    # keys name nobody and have a fixed size
    assert all(len(k) == 64 and "dispatcher" not in k and HOME not in k
               for k in LoginThrottle.objects.values_list("key", flat=True))


@pytest.mark.parametrize("door", ["/accounts/login/", "/admin/login/"])
def test_the_sign_in_pages_are_guarded_too(cast, client, door):
    from server.accounts.models import User

    User.objects.filter(username="dutychief").update(is_staff=True)  # the admin takes staff
    for _ in range(lockout.FREE_FAILURES + 1):
        r = form_login(client, "dutychief", "wrong", door=door)
        assert r.status_code == 200 and "_auth_user_id" not in client.session
    r = form_login(client, "dutychief", DEMO_PASSWORD, door=door)  # right, but blocked
    assert "_auth_user_id" not in client.session
    assert "try again in" in r.content.decode() or "秒后再试" in r.content.decode()
    if door == "/accounts/login/":
        assert r.status_code == 429 and int(r["Retry-After"]) > 0
    # the block is one: the token endpoint refuses the pair as well
    assert token_login(client, "dutychief", DEMO_PASSWORD).status_code == 429
    unblock_all()
    r = form_login(client, "dutychief", DEMO_PASSWORD, door=door)
    assert r.status_code == 302 and "_auth_user_id" in client.session


def test_a_correct_form_login_does_not_clear_the_token_endpoints_block(cast, client):
    fail(client, "dispatcher", lockout.FREE_FAILURES + 1)
    r = form_login(client, "dispatcher", DEMO_PASSWORD)
    assert r.status_code == 429 and "_auth_user_id" not in client.session
    assert token_login(client, "dispatcher", DEMO_PASSWORD).status_code == 429


def test_an_address_full_of_failures_still_lets_correct_logins_in(cast, client):
    """Behind a carrier's NAT every handset shares one address: someone guessing from it must
    not lock the fleet out. Guessers from it lose their free tries instead."""
    for i in range(lockout.ADDRESS_FAILURE_LIMIT + 1):
        token_login(client, f"guess{i}", "wrong")
    assert token_login(client, "acceptor", DEMO_PASSWORD).status_code == 200
    # a username failing from that address now is blocked at its first failure
    assert token_login(client, "leader", "wrong").status_code == 400
    assert token_login(client, "leader", DEMO_PASSWORD).status_code == 429
    # elsewhere the same username has its free tries
    fail(client, "leader", lockout.FREE_FAILURES, OTHER)
    assert token_login(client, "leader", DEMO_PASSWORD, OTHER).status_code == 200


def test_an_over_long_username_is_refused_and_counts_nothing(cast, client):
    huge = "u" * 1_000_000
    r = token_login(client, huge, "wrong")
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "username"
    assert "超过 150 个字符" in r.json()["error"]["message"]  # Chinese: no language asked
    r = form_login(client, huge, "wrong")
    assert r.status_code == 200 and "_auth_user_id" not in client.session
    assert not LoginThrottle.objects.exists()
    # the rule is under the backend too, for any other door
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    assert authenticate(RequestFactory().post("/"), username=huge, password="x") is None
    assert not LoginThrottle.objects.exists()
    assert all(len(u) <= 150 for u in AuthAudit.objects.values_list("username", flat=True))


def test_forgotten_after_the_memory(cast, client):
    fail(client, "dispatcher", lockout.FREE_FAILURES)
    LoginThrottle.objects.update(last_failure=timezone.now() - lockout.MEMORY - timedelta(1))
    fail(client, "dispatcher", 1)  # a fresh count: still free, and the old rows are gone
    assert token_login(client, "dispatcher", DEMO_PASSWORD).status_code == 200
    assert LoginThrottle.objects.count() == 1  # the address's own row


def test_passwords_are_validated(cast):
    for weak in ("1234567890", "password", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password(DEMO_PASSWORD)  # the demo accounts' password passes

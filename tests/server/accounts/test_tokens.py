"""API tokens: a new one per login, stored as a SHA-256 only, expiring when unused for
TOKEN_IDLE_DAYS and TOKEN_MAX_DAYS after the login; an expired one is a 401 ``token_expired``
on the API and anonymous on the websocket."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.utils import timezone

from server.accounts import tokens
from server.accounts.models import ApiToken
from server.maps.demo_loader import DEMO_PASSWORD


def login(client, username="supervisor"):
    r = client.post("/api/auth/token/", {"username": username, "password": DEMO_PASSWORD},
                    format="json")
    assert r.status_code == 200, r.content
    return r.json()


def me(client, key):
    return client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}")


def test_tokens_are_stored_hashed_and_one_per_login(cast):
    anon = cast["anonymous"]
    first, second = login(anon), login(anon)
    assert first["token"] != second["token"] and len(first["token"]) == 40
    for body in (first, second):
        assert me(anon, body["token"]).json()["username"] == "supervisor"
        assert body["expires"]
    stored = set(ApiToken.objects.values_list("digest", flat=True))
    assert hashlib.sha256(first["token"].encode()).hexdigest() in stored
    assert not {first["token"], second["token"]} & stored
    assert not ApiToken.objects.filter(digest__contains=first["token"]).exists()


def test_an_unused_token_expires_with_a_clear_401(cast, settings):
    anon = cast["anonymous"]
    key = login(anon)["token"]
    ApiToken.objects.filter(digest=tokens.digest(key)).update(
        last_used=timezone.now() - timedelta(days=settings.TOKEN_IDLE_DAYS, seconds=1))
    r = me(anon, key)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_expired"
    assert "sign in again" in r.json()["error"]["message"]
    assert not ApiToken.objects.filter(digest=tokens.digest(key)).exists()  # gone for good
    assert me(anon, key).json()["error"]["code"] != "token_expired"
    # the handset signs in again while still sending its old token
    r = anon.post("/api/auth/token/", {"username": "supervisor", "password": DEMO_PASSWORD},
                  format="json", HTTP_AUTHORIZATION=f"Token {key}")
    assert r.status_code == 200 and me(anon, r.json()["token"]).status_code == 200


def test_use_slides_the_idle_expiry_but_not_the_max_age(cast, settings):
    anon = cast["anonymous"]
    key = login(anon)["token"]
    row = ApiToken.objects.filter(digest=tokens.digest(key))
    long_ago = timezone.now() - timedelta(days=settings.TOKEN_IDLE_DAYS - 1)
    row.update(last_used=long_ago, created=long_ago)
    assert me(anon, key).status_code == 200
    assert row.get().last_used > long_ago  # used: good for TOKEN_IDLE_DAYS more
    row.update(created=timezone.now() - timedelta(days=settings.TOKEN_MAX_DAYS, seconds=1))
    r = me(anon, key)
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_expired"


def test_an_expired_token_opens_no_websocket(cast):
    key = login(cast["anonymous"])["token"]
    assert tokens.user_for_key(key).username == "supervisor"
    ApiToken.objects.filter(digest=tokens.digest(key)).update(
        created=timezone.now() - timedelta(days=1000))
    assert tokens.user_for_key(key) is None
    assert tokens.user_for_key("0" * 40) is None


def test_a_user_keeps_a_bounded_number_of_tokens(cast):
    anon = cast["anonymous"]
    keys = [login(anon, "leader")["token"] for _ in range(tokens.TOKENS_PER_USER + 2)]
    assert ApiToken.objects.filter(user__username="leader").count() == tokens.TOKENS_PER_USER
    assert me(anon, keys[0]).status_code == 401  # the oldest went first
    assert me(anon, keys[-1]).status_code == 200


def test_revoking_a_user_revokes_every_device(cast):
    anon = cast["anonymous"]
    keys = [login(anon)["token"] for _ in range(2)]
    r = cast["dutychief"].post("/api/auth/revoke/", {"username": "supervisor"}, format="json")
    assert r.status_code == 200 and r.json()["revoked"] == 3  # the cast's token and these two
    assert all(me(anon, k).status_code == 401 for k in keys)


def test_the_admin_lists_tokens_but_never_a_key(cast, client):
    from server.accounts.models import User

    key = login(cast["anonymous"])["token"]
    client.force_login(User.objects.create_superuser("root", password="root-pass-2026-x"))
    html = client.get("/admin/accounts/apitoken/").content.decode()
    assert "supervisor" in html and key not in html and tokens.digest(key) not in html

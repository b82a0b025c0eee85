"""Open sockets end with their user's credentials: a revoked token, a deactivated user, a new
role or department closes every socket of that user (4401), once the change commits; a save
that changes none of that (a login's ``last_login``) closes nothing, nor does anyone else's."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import TestCase
from django.utils import timezone

from tests.server.realtime.conftest import connect, listening


def _committed(fn):
    """Run ``fn`` with its on-commit callbacks executed (the test's transaction never
    commits)."""
    def run():
        with TestCase.captureOnCommitCallbacks(execute=True):
            return fn()
    return database_sync_to_async(run)


async def _closed(comm) -> int | None:
    """The close code the server sent, or None when the socket stays open."""
    if await comm.receive_nothing(0.5):
        return None
    out = await comm.receive_output(1)
    return out.get("code") if out["type"] == "websocket.close" else out["type"]


def _user(username):
    from server.accounts.models import User

    return User.objects.get(username=username)


def test_revoking_a_token_closes_the_users_open_sockets(cast):
    async def scenario():
        sup = await listening("supervisor")
        other = await listening("dispatcher")
        r = await _committed(lambda: cast["supervisor"].post("/api/auth/revoke/", {},
                                                             format="json"))()
        assert r.status_code == 200
        assert await _closed(sup) == 4401  # send.CREDENTIALS_ENDED
        assert await _closed(other) is None
        await other.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize("change", ["deactivate", "role", "department"])
def test_a_changed_user_loses_their_open_sockets(cast, change):
    from server.accounts.models import Department

    def apply():
        user = _user("dept_roads")
        if change == "deactivate":
            user.is_active = False
        elif change == "role":
            user.role = "supervisor"
            user.department = None
        else:
            user.department = Department.objects.get(code="water")
        user.save()

    async def scenario():
        roads = await listening("dept_roads")
        await _committed(apply)()
        assert await _closed(roads) == 4401  # send.CREDENTIALS_ENDED
        if change == "department":  # it may come back, and now hears water's cases
            comm, ok, _ = await connect("dept_roads")
            assert ok and "dept.water" in (await comm.receive_json_from())["groups"]
            await comm.disconnect()

    async_to_sync(scenario)()


def test_a_save_that_changes_no_credential_closes_nothing(cast):
    def touch():
        user = _user("dept_roads")
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
        user.first_name = "路"
        user.save()

    async def scenario():
        roads = await listening("dept_roads")
        await _committed(touch)()
        assert await _closed(roads) is None
        await roads.disconnect()

    async_to_sync(scenario)()


def test_a_rolled_back_deactivation_closes_nothing(cast):
    from django.db import transaction

    def fail():
        with TestCase.captureOnCommitCallbacks(execute=True):
            try:
                with transaction.atomic():
                    user = _user("dept_roads")
                    user.is_active = False
                    user.save()
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass

    async def scenario():
        roads = await listening("dept_roads")
        await database_sync_to_async(fail)()
        assert await _closed(roads) is None
        await roads.disconnect()

    async_to_sync(scenario)()

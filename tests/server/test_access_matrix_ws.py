"""The websocket access matrix: every websocket route, opened by every role, with the
token (handsets, scripts) and with the session cookie (pages), is accepted or closed (4401 not
signed in, 4403 no role that may listen) exactly as designed; the groups joined at connect are
exactly the role's; and every kind of subscription (``schema`` lists them) to a case the role
may see, one it may not, another department's, an unknown one and a grid cell is allowed or
refused exactly as ``server.accounts.access`` designs.

Routes, roles and subscription kinds are enumerated from the code, so a new websocket route, a
new role or a new subscription kind without a rule here fails ``test_every_ws_rule_is_written``.
Runs over the real channel layer (Redis under ``make test``; in-memory on SpatiaLite).

The world: case ``A`` reported by ``supervisor``, accepted, filed and dispatched to ``roads``;
case ``B`` reported by ``acceptor`` and left waiting (only the centres see it).
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from server.realtime import schema
from server.realtime.routing import websocket_urlpatterns
from tests.server.conftest import COMMUNITY, report_form
from tests.server.realtime.conftest import (  # noqa: F401 (autouse fixtures)
    application, connect, drain, keep_test_connection, own_channel_layer)
from tests.server.test_access_matrix import CENTRE, SEES_CASE
from tests.server.test_loop import LOOP, act
from workflows import Role

#: username -> the role it stands for (None: not a user). ``revoked`` is a handset whose token
#: was revoked through /api/auth/revoke/; ``system`` the account the timers act as.
WHO = {"anonymous": None, "revoked": None, "supervisor": Role.SUPERVISOR,
       "acceptor": Role.ACCEPTOR, "dutychief": Role.DUTY_CHIEF, "dispatcher": Role.DISPATCHER,
       "calltaker": Role.CALL_TAKER, "leader": Role.LEADER, "dept_roads": Role.DEPARTMENT,
       "dept_water": Role.DEPARTMENT, "mapkeeper": Role.MAPKEEPER, "system": Role.SYSTEM}

#: route -> username -> close code when refused, or the groups joined at connect
#: (``{me}`` is the user's own group).
LISTENERS = {u: {"{me}", "center"} for u in CENTRE}
LISTENERS.update(supervisor={"{me}", "role.supervisor"}, dept_roads={"{me}", "dept.roads"},
                 dept_water={"{me}", "dept.water"})
# The map keeper keeps the map, not cases: no stream (4403), like the system accounts.
CONNECT = {"ws/events/": {**LISTENERS, "anonymous": 4401, "revoked": 4401, "mapkeeper": 4403,
                          "system": 4403}}

CELL = f"{COMMUNITY}001"
#: subscription kind -> sample name -> the usernames allowed to subscribe.
SUBSCRIBE = {
    "cases": {"{A}": SEES_CASE, "{B}": CENTRE, "NOPE-404": set()},
    "grids": {CELL: CENTRE, "999999999": CENTRE},  # a cell stream: the centres only
}


def test_every_ws_rule_is_written():
    routes = {str(p.pattern) for p in websocket_urlpatterns}
    assert routes == set(CONNECT), "a websocket route without a rule: add it to CONNECT"
    for rules in CONNECT.values():
        assert set(rules) == set(WHO), "every user of WHO needs a rule on every route"
    assert set(WHO.values()) - {None} == set(Role), "a role without a user in WHO"
    for op in ("subscribe", "unsubscribe"):
        assert set(schema._CLIENT[op]) == set(SUBSCRIBE), "a subscription kind without a rule"


def _world(cast):
    from server.accounts.models import User
    from server.accounts.tokens import issue

    a = cast["supervisor"].post("/api/reports/", report_form(), format="multipart").json()[
        "number"]
    for who, action, data, _ in LOOP[:3]:
        assert act(cast[who], a, action, **dict(data)).status_code == 200
    b = cast["acceptor"].post("/api/reports/", report_form(), format="multipart").json()["number"]
    # A handset token, then the handset is lost and its token revoked.
    revoked = cast["supervisor"].token
    assert cast["supervisor"].post("/api/auth/revoke/", {}, format="json").status_code == 200
    tokens = {"revoked": revoked, "anonymous": None}
    cookies = {"revoked": None, "anonymous": None}
    for username in set(WHO) - set(tokens):
        user = User.objects.get(username=username)
        tokens[username] = issue(user)[0]
        page = Client()
        page.force_login(user)
        cookies[username] = page.cookies[settings.SESSION_COOKIE_NAME].value
    ids = {u: pk for u, pk in User.objects.filter(username__in=WHO).values_list("username", "pk")}
    return {"A": a, "B": b, "tokens": tokens, "cookies": cookies, "ids": ids}


async def _open(route: str, token: str | None = None, cookie: str | None = None):
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    comm = WebsocketCommunicator(application(), "/" + route + (f"?token={token}" if token else
                                                               ""), headers=headers)
    connected, code = await comm.connect(timeout=5)
    return comm, connected, code


def test_every_ws_route_by_every_role_with_token_and_session(cast):
    world = _world(cast)
    wrong = []

    async def scenario():
        for route, rules in CONNECT.items():
            for username, rule in rules.items():
                me = f"user.{world['ids'].get(username)}"
                want = rule if isinstance(rule, int) else {g.replace("{me}", me) for g in rule}
                for how in ("token", "session"):
                    comm, ok, code = await _open(
                        route, token=world["tokens"][username] if how == "token" else None,
                        cookie=world["cookies"][username] if how == "session" else None)
                    if not ok:
                        got = code
                    else:
                        hello = await comm.receive_json_from()
                        got = set(hello["groups"])
                        await comm.disconnect()
                    if got != want:
                        wrong.append(f"{route} as {username} by {how}: {got} != {want}")

    async_to_sync(scenario)()
    assert wrong == []


def test_every_subscription_kind_by_every_role(cast):
    world = _world(cast)
    wrong = []
    from server.cases.models import Case

    pk = dict(Case.objects.values_list("number", "pk"))

    def group(kind, name):
        return f"case.{pk[name]}" if kind == "cases" else f"grid.{name}"

    async def scenario():
        for username in LISTENERS:
            comm, ok, _ = await connect(username)
            assert ok, username
            await comm.receive_json_from()  # hello
            for kind, samples in SUBSCRIBE.items():
                for sample, allowed in samples.items():
                    name = sample.format(A=world["A"], B=world["B"])
                    await comm.send_json_to({"type": "subscribe", kind: [name]})
                    msg = await comm.receive_json_from()
                    want = ([group(kind, name)], []) if username in allowed else ([], [name])
                    if (msg["groups"], msg["refused"]) != want:
                        wrong.append(f"subscribe {kind} {sample} as {username}: {msg}")
                    # Leaving answers by the same rule; it never leaves a role's own group.
                    await comm.send_json_to({"type": "unsubscribe", kind: [name]})
                    msg = await comm.receive_json_from()
                    if (msg["groups"], msg["refused"]) != want:
                        wrong.append(f"unsubscribe {kind} {sample} as {username}: {msg}")
            assert await drain(comm, 0.05) == []
            await comm.disconnect()

    async_to_sync(scenario)()
    assert wrong == []


def test_a_role_group_cannot_be_left_or_joined_by_name(cast):
    """``dept.water`` looks like a name but is not a case or a cell: subscribing to it is refused
    (unknown case), and unsubscribing from one's own role group leaves nothing."""
    _world(cast)

    async def scenario():
        comm, _, _ = await connect("dept_roads")
        hello = await comm.receive_json_from()
        await comm.send_json_to({"type": "subscribe", "cases": ["dept.water"]})
        assert (await comm.receive_json_from())["type"] == "error"  # not a valid name at all
        await comm.send_json_to({"type": "subscribe", "cases": ["dept-water"]})
        assert (await comm.receive_json_from())["refused"] == ["dept-water"]
        await comm.send_json_to({"type": "unsubscribe", "grids": ["roads"]})
        assert (await comm.receive_json_from())["groups"] == []
        assert "dept.roads" in hello["groups"]
        await comm.disconnect()

    async_to_sync(scenario)()

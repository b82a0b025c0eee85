"""``/ws/events/``: the live feed of case events for consoles and terminals.

Protocol (payloads in ``server.realtime.schema``):

1. Connect with the session cookie or ``?token=``. Anonymous: closed with 4401; a user without a
   role that may listen: 4403. The groups of the user's role are joined *before* the server
   answers ``hello`` (with ``last_event_id``), so nothing committed after ``hello`` is missed.
2. A fresh client keeps ``hello.last_event_id`` as its cursor; a reconnecting client sends
   ``{"type": "resume", "after": cursor, "seen": [...], "seen_ranges": [[lo, hi], ...]}`` and
   gets the missed events from the log, then ``resumed`` (or ``reset`` if too much was missed),
   then the live stream. ``seen`` and ``seen_ranges`` say what the client holds near its cursor
   (``server.realtime.replay``): what it names is not sent again, and a gap inside the ranges
   is (a push lost in a killed worker, older than the client's newest 2,000 events too).
3. ``subscribe`` / ``unsubscribe`` join or leave one case's or one cell's group, each checked.
   Each live event is checked again for the socket (``access.Hearing.hears`` on the event's
   holders): a followed case that left the user's department stops flowing.
4. Live events come through this worker's hub (``server.realtime.hub``), not through a channel
   of the socket's own: the consumer tells the hub which groups the socket is in (after the
   checks in ``access``) and the hub writes each event to it, at most once per id, whether it
   came through the replay or through several groups. The hub holds live events while the
   consumer says ``hello`` and while it sends a replay, so they follow ``hello`` and ``resumed``.
   A socket too far behind to take more live events (``hub.MAX_QUEUED``) is closed with 4408;
   the client reconnects and resumes, as after any drop.
5. After the channel layer failed in this worker (``layer_watch``: a Redis restart), the next ping
   replays the log from where the socket was, so an event lost in the layer still arrives
   although the socket never dropped; so does a ping once a ``CATCH_UP_EVERY_S``, for what no
   worker can notice (a worker killed between a commit and its push).
6. When the user's credentials end (a token revoked, the user deactivated, their role or
   department changed) every socket of theirs is closed with 4401
   (``send.close_user_sockets_on_commit``, wired in ``server.realtime.revoke``).
"""

from __future__ import annotations

import asyncio
import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from server.realtime import layer_watch
from server.realtime.access import check_subscription, groups_at_connect
from server.realtime.hub import SERVER_SEND, TOO_SLOW, Listener, hub
from server.realtime.replay import Held, last_event_id, replay
from server.realtime.schema import outgoing, parse_client

#: A worker SIGKILLed between a commit and its push leaves no trace any other worker could
#: notice: every socket replays the log this often anyway (on a ping; one indexed query).
CATCH_UP_EVERY_S = 60


class EventsConsumer(AsyncJsonWebsocketConsumer):
    #: No channel of the socket's own: the hub subscribes once per worker and group.
    channel_layer_alias = None

    async def __call__(self, scope, receive, send):
        self.groups_joined: list[str] = []
        self.hub = None
        try:
            await super().__call__(scope, receive, send)
        finally:  # however the socket ends (a close, an error, the server cancelling it)
            if self.hub is not None:
                self.hub.leave_all(self.listener)
                self.listener.close()

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)  # 4401: not authenticated
            return
        groups, hears = await database_sync_to_async(groups_at_connect)(user)
        if not groups:
            await self.close(code=4403)  # 4403: no role that may listen
            return
        # Held: live events wait until after hello. The hub sends them through this socket's
        # ASGI send as the server gave it (``keep_server_send``; else the consumer's own).
        self.listener = Listener(self.scope.get(SERVER_SEND, self.base_send),
                                 on_overflow=self._too_slow, hears=hears,
                                 on_close=self._closed_by_server)
        self.hub = hub()
        await self._join(groups)
        await self.accept()
        newest = await database_sync_to_async(last_event_id)()
        # Everything up to here the socket has or may not see; pings move it on (``on_ping``).
        self._hello_upto = self._checked_upto = newest
        self._checked_at = self._caught_up_at = time.monotonic()
        await self.send_json(outgoing(type="hello", user=user.username, role=user.role,
                                      groups=list(self.groups_joined), last_event_id=newest))
        self.listener.release()

    def _too_slow(self) -> None:
        """The hub dropped this socket's queue (far too far behind): close it so that the client
        reconnects and resumes. (In a task: the hub calls this from its fan-out.)"""
        self._closing = asyncio.ensure_future(self.close(code=TOO_SLOW))

    def _closed_by_server(self, code: int) -> None:
        """The user's credentials ended (``send.close_user_sockets_on_commit``): close with
        ``code``; a client that reconnects is let in only if they still hold."""
        self._closing = asyncio.ensure_future(self.close(code=code))

    async def _join(self, groups: list[str]) -> None:
        for group in groups:
            await self.hub.join(group, self.listener)
            if group not in self.groups_joined:
                self.groups_joined.append(group)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            content = json.loads(text_data) if text_data is not None else None
            msg = parse_client(content)
        except (ValueError, TypeError) as exc:  # json errors are ValueErrors; Invalid too
            await self.send_json(outgoing(type="error", code="invalid", message=str(exc)))
            return
        await getattr(self, "on_" + msg["type"])(msg)

    async def on_ping(self, msg):
        now = time.monotonic()
        if (self._checked_at < layer_watch.last() + layer_watch.SETTLE_S
                or now - self._caught_up_at >= CATCH_UP_EVERY_S):
            await self._catch_up()
            self._caught_up_at = now
        self._checked_at = now
        await self.send_json(outgoing(type="pong"))

    async def _catch_up(self) -> None:
        """Send what the log holds for this socket since the last check and it was not sent
        (lost in the layer): the replay of ``resume``, with this socket's own memory as
        ``seen``; a ``reset`` if that is too much. Events before this socket's ``hello`` are
        the client's own ``resume``'s business, not this socket's."""
        result = await database_sync_to_async(replay)(self.scope["user"], self._checked_upto,
                                                      self.listener.sent_ids())
        if result.reset:
            await self.send_json(outgoing(type="reset", reason="too_many_missed",
                                          last_event_id=result.last_event_id))
        for message in result.messages:
            if message["event_id"] > self._hello_upto and self.listener.first_time(
                    message["event_id"]):
                await self.send_json(message)
        self._checked_upto = result.last_event_id

    async def on_resume(self, msg):
        self.listener.hold()  # live events that come meanwhile follow "resumed"
        try:
            await self._replay(msg)
        finally:
            self.listener.release()

    async def _replay(self, msg):
        held = Held(msg.get("seen", ()), msg.get("seen_ranges", ()))
        result = await database_sync_to_async(replay)(self.scope["user"], msg["after"], held,
                                                      client_seen=True)
        if result.reset:
            await self.send_json(outgoing(type="reset", reason="too_many_missed",
                                          last_event_id=result.last_event_id))
            return
        for message in result.messages:
            if self.listener.first_time(message["event_id"]):
                await self.send_json(message)
        await self.send_json(outgoing(type="resumed", after=msg["after"],
                                      replayed=len(result.messages),
                                      last_event_id=result.last_event_id))

    async def on_subscribe(self, msg):
        allowed, refused = await database_sync_to_async(check_subscription)(
            self.scope["user"], msg.get("cases", []), msg.get("grids", []))
        await self._join(allowed)
        await self.send_json(outgoing(type="subscribed", op="subscribe", groups=allowed,
                                      refused=refused))

    async def on_unsubscribe(self, msg):
        # Leaving needs no permission, but only narrow groups can be left: the role's groups
        # stay, or a console could silently stop hearing what it must hear.
        allowed, refused = await database_sync_to_async(check_subscription)(
            self.scope["user"], msg.get("cases", []), msg.get("grids", []))
        left = [g for g in allowed if g in self.groups_joined and g.split(".")[0] in
                ("case", "grid")]
        for group in left:
            self.hub.leave(group, self.listener)
            self.groups_joined.remove(group)
        await self.send_json(outgoing(type="subscribed", op="unsubscribe", groups=left,
                                      refused=refused))

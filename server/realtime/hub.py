"""The worker's hub (集线器): one channel-layer subscription per group for all of this worker's
sockets, and the fan-out of case events to them.

Why: with one channel per socket, an event to the centres' group woke one consumer task per
socket, and each decoded the layer's payload and hopped to a thread (Channels closes old
database connections before every handler) before it wrote the text out; with a thousand
terminals that was most of a fan-out's time (``bench/fanout.py``). Here a worker (one per event
loop) holds one channel of its own, added to every group that at least one of its sockets has
joined; an event for a group goes, as the text ``send.py`` encoded once, to each of the worker's
sockets in that group through the socket's ASGI ``send`` (the server's public interface: no
server's internals). Between workers the event still travels through the channel layer (Redis).

Contract:

- ``join(group, listener)`` returns once the worker's channel is in ``group``: any event sent to
  the group after that reaches the listener (the consumer joins before it says ``hello``).
- ``leave(group, listener)`` and ``leave_all(listener)`` remove it at once; a group left with no
  listener of this worker is discarded from the layer (in order with a later re-join).
- A listener gets an event id at most once, whatever the number of its groups that carried it,
  and whether the replay sent it first (``Listener.first_time``).
- A listener is held from its creation until ``release``: live events wait, then go out in their
  order, after what the consumer sent meanwhile (``hello``; a replay and ``resumed``).
- No socket waits for another: an event's ``send`` to a socket is started at once, and when it
  has to wait (an ASGI ``send`` may, e.g. while the client does not read) the rest of it, and
  that socket's next events, in order, go on in a small task of the socket's own. (Starting it
  at once is what Python 3.12's eager tasks do; a task per socket per event cost 10 µs a socket
  here, a third of a fan-out.) A listener more than ``MAX_QUEUED`` events behind (a dead or
  far too slow client) gets no more: its queue is dropped and ``on_overflow`` is called (the
  consumer closes the socket with ``TOO_SLOW``, 4408; the client reconnects and resumes, as
  after any drop). A ``send``
  that fails ends that listener's queue, not the others'.
- The layer is watched (``layer_watch``): a failing receive, a probe through the layer to the
  hub's own channel that fails or does not come back, or a Redis server that restarted is noted,
  so the sockets that stayed open catch up (``EventsConsumer.on_ping``).
- Who may join which group is not decided here: ``access``, by the consumer, before ``join``.
  Each event carries its audience (who held the case just before and after it); a listener
  with ``hears`` gets the event only when ``hears(audience)`` is true, however it joined
  (a case followed since before it changed hands). Centres' listeners have none: no cost.
- A ``CLOSE`` message to a group closes its sockets (a user's credentials ended).
"""

from __future__ import annotations

import asyncio
import logging
import types
import weakref
from collections import deque
from typing import Any, Awaitable, Callable

from channels.layers import get_channel_layer

from server.realtime import layer_watch

log = logging.getLogger(__name__)

#: Event ids remembered per socket to drop duplicates.
SENT_MEMORY = 5000
#: The core Redis layer forgets group members after a day (``group_expiry``): the hub re-adds
#: its channel to its groups this often.
REJOIN_AFTER_S = 3600
#: Events queued for one socket before it counts as too slow (at a few hundred bytes an event,
#: well under a megabyte a socket).
MAX_QUEUED = 1000
#: The close code of a socket that fell too far behind (a client reconnects and resumes).
TOO_SLOW = 4408
#: The message type of the hub's probe through the layer (``layer_watch``).
PROBE = "hub.probe"
#: The message type that closes every socket of a group (``send.close_user_sockets_on_commit``).
CLOSE = "hub.close"

#: Where ``keep_server_send`` puts a websocket's ASGI ``send`` as the server gave it.
SERVER_SEND = "dcm.server_send"

Send = Callable[[dict[str, Any]], Awaitable[None]]


def keep_server_send(app):
    """ASGI middleware, outermost for websockets: the ``send`` the server handed this socket,
    kept in its scope (``SERVER_SEND``) so that the hub sends live events straight through it.
    The middlewares inside may wrap ``send``: Channels' session middleware does, and acts only
    on HTTP responses, yet its wrapper cost 17 % of a fan-out's CPU, per socket and event
    (bench/fanout.py under py-spy). What the consumer itself sends still goes through them."""

    async def middleware(scope, receive, send):
        return await app(dict(scope, **{SERVER_SEND: send}), receive, send)

    return middleware


class Listener:
    """One socket as the hub sees it: its ASGI ``send``, the ids it was sent, the live events
    held while the consumer speaks first, and those queued for its sending task."""

    def __init__(self, send: Send, on_overflow: Callable[[], None] | None = None,
                 hears: Callable[[dict], bool] | None = None,
                 on_close: Callable[[int], None] | None = None):
        self._send = send
        self._on_overflow = on_overflow
        #: Whether the socket hears an event with this audience (``send.Audience``); None: it
        #: hears every event of its groups (a centre's).
        self.hears = hears
        self._on_close = on_close
        #: The hub's groups this listener is in (so leaving is not a scan of every group).
        self.groups: set[str] = set()
        self._sent: dict[int, None] = {}
        self._held: list[Event] | None = []
        self._queue: deque[Event] = deque()
        self._pump: asyncio.Task | None = None
        self.closed = False

    def sent_ids(self) -> frozenset[int]:
        """The event ids this listener was sent (as far as it remembers)."""
        return frozenset(self._sent)

    def first_time(self, event_id: int) -> bool:
        """True once per event id (then remembered, the oldest forgotten past SENT_MEMORY)."""
        if event_id in self._sent:
            return False
        self._sent[event_id] = None
        if len(self._sent) > SENT_MEMORY:
            del self._sent[next(iter(self._sent))]
        return True

    def hold(self) -> None:
        if self._held is None:
            self._held = []

    def release(self) -> None:
        """Queue what was held, in order, then go live."""
        held, self._held = self._held or [], None
        for event in held:
            self.deliver(event)

    def deliver(self, event: Event) -> None:
        """Hold ``event``, or queue it for this socket's sending task (started when idle)."""
        if self.closed:
            return
        if self._held is not None:
            self._held.append(event)
            return
        if self._pump is None:  # nothing in flight: start this send now, in the caller's turn
            if not self.first_time(event.id):
                return
            sending = self._send(event.message)
            try:
                waiting_on = sending.send(None)
            except StopIteration:  # sent without waiting: the common case
                return
            except Exception:
                log.debug("realtime hub: a send failed", exc_info=True)
                return
            self._pump = asyncio.ensure_future(self._send_queued(sending, waiting_on))
            return
        self._queue.append(event)
        if len(self._queue) > MAX_QUEUED:
            log.warning("realtime hub: a socket more than %s events behind is closed",
                        MAX_QUEUED)
            self.close()
            if self._on_overflow is not None:
                self._on_overflow()

    def close_socket(self, code: int) -> None:
        """Send nothing more, and ask the consumer to close the socket with ``code``."""
        self.close()
        if self._on_close is not None:
            self._on_close(code)

    def close(self) -> None:
        """Send nothing more (the socket is gone or too slow)."""
        self.closed = True
        self._queue.clear()
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None

    async def _send_queued(self, sending, waiting_on) -> None:
        """Finish ``sending`` (a send started in ``deliver`` and suspended on ``waiting_on``),
        then send what was queued meanwhile, in order."""
        queue = self._queue
        try:
            await _resume(sending, waiting_on)
            while queue:
                event = queue.popleft()
                if self.first_time(event.id):
                    await self._send(event.message)
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket closed under us; its consumer ends and leaves the hub
            log.debug("realtime hub: a send failed; the socket's queue is dropped",
                      exc_info=True)
            queue.clear()
        finally:
            if self._pump is asyncio.current_task():
                self._pump = None


@types.coroutine
def _resume(coroutine, waiting_on):
    """Await the rest of ``coroutine``, which was started by hand (``send(None)``) and suspended
    on ``waiting_on``: what it yields goes to the awaiting task, what the task sends or throws
    goes back to it (``yield from``, for a coroutine already under way)."""
    while True:
        try:
            value = yield waiting_on
        except GeneratorExit:
            coroutine.close()
            raise
        except BaseException as exc:  # the task's cancellation, passed on
            try:
                waiting_on = coroutine.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                waiting_on = coroutine.send(value)
            except StopIteration as stop:
                return stop.value


class Event:
    """One event as the hub hands it out: its id and its ASGI message (one dict shared by
    every socket: servers read it, none changes it)."""

    __slots__ = ("id", "message")

    def __init__(self, event_id: int, text: str):
        self.id = event_id
        self.message = {"type": "websocket.send", "text": text}


class Hub:
    """The groups of one worker's sockets on one channel layer (one per event loop: ``hub()``)."""

    def __init__(self, layer):
        self.layer = layer
        #: group -> the listeners of this worker in it (a dict: ordered, O(1) removal).
        self.members: dict[str, dict[Listener, None]] = {}
        self.channel: str | None = None
        self._opening: asyncio.Future | None = None
        self._adding: dict[str, asyncio.Future] = {}
        self._discarding: dict[str, asyncio.Future] = {}
        self._tasks: list[asyncio.Task] = []
        self.probe: layer_watch.Probe | None = None

    async def join(self, group: str, listener: Listener) -> None:
        members = self.members.get(group)
        if members is None:
            members = self.members[group] = {}
            self._adding[group] = self._after(self._discarding.get(group), self._add, group,
                                              self._adding)
        members[listener] = None
        listener.groups.add(group)
        adding = self._adding.get(group)
        if adding is not None:
            await asyncio.shield(adding)

    def leave(self, group: str, listener: Listener) -> None:
        listener.groups.discard(group)
        members = self.members.get(group)
        if members is None or listener not in members:
            return
        del members[listener]
        if not members:
            del self.members[group]
            self._discarding[group] = self._after(self._adding.get(group), self._discard, group,
                                                  self._discarding)

    def leave_all(self, listener: Listener) -> None:
        for group in list(listener.groups):
            self.leave(group, listener)

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()

    # --- inside ---------------------------------------------------------------------------------
    def _after(self, before: asyncio.Future | None, op, group: str,
               book: dict[str, asyncio.Future]) -> asyncio.Future:
        """Run ``op(group)`` once ``before`` (the group's previous add or discard) is done, so
        the layer sees one group's adds and discards in the order they were asked for."""

        async def run():
            if before is not None:
                await asyncio.gather(before, return_exceptions=True)
            await op(group)

        task = asyncio.ensure_future(run())
        task.add_done_callback(lambda t: book.pop(group) if book.get(group) is t else None)
        return task

    async def _add(self, group: str) -> None:
        members = self.members.get(group)
        try:
            await self._open()
            await self.layer.group_add(group, self.channel)
        except BaseException:
            if self.members.get(group) is members:  # the next join tries again
                self.members.pop(group, None)
            raise

    async def _discard(self, group: str) -> None:
        try:
            if self.channel is not None:
                await self.layer.group_discard(group, self.channel)
        except Exception:  # at worst this worker keeps hearing a group nobody here listens to
            log.exception("realtime hub: discard of %s failed", group)

    async def _open(self) -> None:
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._new_channel())
        await asyncio.shield(self._opening)

    async def _new_channel(self) -> None:
        self.channel = await self.layer.new_channel()
        channel = self.channel
        self.probe = layer_watch.Probe(lambda message: self.layer.send(channel, message), PROBE,
                                       redis_connect(self.layer))
        self._tasks = [asyncio.ensure_future(self._receive()),
                       asyncio.ensure_future(self._rejoin()),
                       asyncio.ensure_future(self.probe.run())]

    async def _receive(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis away: the layer reconnects; clients resume from
                layer_watch.note(f"the hub's receive failed: {exc!r}")  # the log, and sockets
                log.exception("realtime hub: receive failed")  # that stayed open catch up
                await asyncio.sleep(1)
                continue
            try:
                kind = message.get("type")
                if kind == PROBE:
                    self.probe.back(message["n"])
                elif kind == CLOSE:
                    self.close_all(message["group"], message["code"])
                else:
                    self.fan_out(message["group"], message["event_id"], message["text"],
                                 message.get("audience"))
            except (KeyError, TypeError, AttributeError):  # not send.py's shape: not ours
                log.warning("realtime hub: dropped a message of another shape: %r",
                            sorted(message) if isinstance(message, dict) else type(message))

    def fan_out(self, group: str, event_id: int, text: str,
                audience: dict | None = None) -> None:
        """Hand the event to every listener of this worker in ``group`` that hears an event
        of ``audience`` (each sends it out in its own time: see the module's contract). A
        message without an audience (from a worker of an older release) goes to all."""
        event = Event(event_id, text)
        for listener in list(self.members.get(group, ())):
            hears = listener.hears
            if hears is None or audience is None or hears(audience):
                listener.deliver(event)

    def close_all(self, group: str, code: int) -> None:
        """Close every socket of this worker in ``group`` with ``code``."""
        for listener in list(self.members.get(group, ())):
            listener.close_socket(code)

    async def _rejoin(self) -> None:
        while True:
            await asyncio.sleep(REJOIN_AFTER_S)
            for group in list(self.members):
                try:
                    await self.layer.group_add(group, self.channel)
                except Exception:
                    log.exception("realtime hub: re-join of %s failed", group)


def redis_connect(layer):
    """How the probe connects to the Redis server whose restarts it watches, or None when the
    layer is not a Redis one (its backend class lives in ``channels_redis``): the project's own
    ``REDIS_URL``, or the master the ``REDIS_SENTINELS`` name (as the layer itself follows it).
    The returned callable takes redis-py's connection keywords (timeouts)."""
    from django.conf import settings

    if not type(layer).__module__.startswith("channels_redis"):
        return None
    if settings.REDIS_SENTINELS:
        from redis.asyncio.sentinel import Sentinel

        from server.redis_sentinel import parse_sentinels

        sentinels = parse_sentinels(settings.REDIS_SENTINELS)
        master = settings.REDIS_SENTINEL_MASTER

        def via_sentinel(**kwargs):
            return Sentinel(sentinels, sentinel_kwargs=dict(kwargs)).master_for(master, **kwargs)
        return via_sentinel
    if settings.REDIS_URL:
        from redis.asyncio import Redis

        url = settings.REDIS_URL
        return lambda **kwargs: Redis.from_url(url, **kwargs)
    return None


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This event loop's hub on the current default channel layer (a new one if the layer
    was replaced, as tests do)."""
    loop = asyncio.get_running_loop()
    layer = get_channel_layer()
    current = _hubs.get(loop)
    if current is None or current.layer is not layer:
        if current is not None:
            current.stop()
        current = _hubs[loop] = Hub(layer)
    return current

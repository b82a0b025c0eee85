"""The worker's hub (集线器): one channel-layer subscription per group for all of this worker's
sockets, and the fan-out of case events to them.

Why: with one channel per socket, an event to the centres' group woke one consumer task per
socket, and each decoded the layer's payload and hopped to a thread (Channels closes old
database connections before every handler) before it wrote the text out; with a thousand
terminals that was most of a fan-out's time (``bench/fanout.py``). Here a worker (one per event
loop) holds one channel of its own, added to every group that at least one of its sockets has
joined; an event for a group is made, from the text ``send.py`` encoded once, into one websocket
frame, written straight to each of the worker's sockets in that group (``wire``: one ``send(2)``
a socket under daphne), or through the socket's ASGI ``send`` where that short way is not
available. Between workers the event still travels through the channel layer (Redis).

Contract:

- ``join(group, listener)`` returns once the worker's channel is in ``group``: any event sent to
  the group after that reaches the listener (the consumer joins before it says ``hello``).
- ``leave(group, listener)`` and ``leave_all(listener)`` remove it at once; a group left with no
  listener of this worker is discarded from the layer (in order with a later re-join).
- A listener gets an event id at most once, whatever the number of its groups that carried it,
  and whether the replay sent it first (``Listener.first_time``).
- A listener is held from its creation until ``release``: live events wait, then go out in their
  order, after what the consumer sends meanwhile (``hello``; a replay and ``resumed``).
- One socket's failing ``send`` does not stop the others.
- Who may join which group is not decided here: ``access``, by the consumer, before ``join``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any, Awaitable, Callable

from channels.layers import get_channel_layer

from server.realtime import trouble, wire

log = logging.getLogger(__name__)

#: Event ids remembered per socket to drop duplicates.
SENT_MEMORY = 5000
#: The core Redis layer forgets group members after a day (``group_expiry``): the hub re-adds
#: its channel to its groups this often.
REJOIN_AFTER_S = 3600

Send = Callable[[dict[str, Any]], Awaitable[None]]


class Listener:
    """One socket as the hub sees it: its ASGI ``send`` (or ``wire``'s short way to it), the ids
    it was sent, and a queue of live events held while the consumer speaks first."""

    def __init__(self, send: Send, write: wire.Write | None = None):
        self._send = send
        #: ``wire.writer``: the frame straight to the socket; None: the ASGI ``send``.
        self.write = write
        #: The hub's groups this listener is in (so leaving is not a scan of every group).
        self.groups: set[str] = set()
        self._sent: dict[int, None] = {}
        self._held: list[Event] | None = []

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

    async def release(self) -> None:
        """Send what was held, in order, then go live."""
        while self._held:
            held, self._held = self._held, []
            for event in held:
                await self._write(event)
        self._held = None

    def live(self) -> bool:
        """True when an event can go out now through ``write``, with no ``await``."""
        return self._held is None and self.write is not None

    async def deliver(self, event: Event) -> None:
        if self._held is not None:
            self._held.append(event)
        else:
            await self._write(event)

    async def _write(self, event: Event) -> None:
        if self.first_time(event.id):
            if self.write is not None:
                self.write(event.frame)
            else:
                await self._send({"type": "websocket.send", "text": event.text})


class Event:
    """One event as the hub hands it out: its id, its text and, made at most once, its frame."""

    __slots__ = ("id", "text", "_frame")

    def __init__(self, event_id: int, text: str):
        self.id, self.text, self._frame = event_id, text, None

    @property
    def frame(self) -> bytes:
        if self._frame is None:
            self._frame = wire.text_frame(self.text)
        return self._frame


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
        self._tasks = [asyncio.ensure_future(self._receive()),
                       asyncio.ensure_future(self._rejoin())]

    async def _receive(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away: the layer reconnects; clients resume from the log
                trouble.note()  # and sockets that stayed open catch up on their next ping
                log.exception("realtime hub: receive failed")
                await asyncio.sleep(1)
                continue
            try:
                await self.fan_out(message["group"], message["event_id"], message["text"])
            except (KeyError, TypeError):  # not send.py's shape (an older worker's): not ours
                log.warning("realtime hub: dropped a message of another shape: %r",
                            sorted(message))

    async def fan_out(self, group: str, event_id: int, text: str) -> None:
        event = Event(event_id, text)
        for listener in list(self.members.get(group, ())):
            try:
                if listener.live():  # the common case, kept free of a coroutine per socket
                    if listener.first_time(event_id):
                        listener.write(event.frame)
                else:
                    await listener.deliver(event)
            except Exception:  # a socket closing under us; the others still get it
                log.warning("realtime hub: a send to a socket of %s failed", group,
                            exc_info=True)

    async def _rejoin(self) -> None:
        while True:
            await asyncio.sleep(REJOIN_AFTER_S)
            for group in list(self.members):
                try:
                    await self.layer.group_add(group, self.channel)
                except Exception:
                    log.exception("realtime hub: re-join of %s failed", group)


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

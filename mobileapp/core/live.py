"""Live task push for the handset: the server's ``/ws/events/`` websocket while it holds, REST
polling while it does not (3G drops, a carrier proxy that kills websockets).

Protocol (server/realtime/consumers.py): connect to ``/ws/events/`` with ``Authorization:
Token <key>`` (a header, never the URL: URLs end up in logs); the server
joins our groups, then says ``hello`` with ``last_event_id``. A fresh phone takes that id as
its cursor; a phone that held a cursor sends ``{"type": "resume", "after": cursor, "seen":
[...], "seen_ranges": [[lo, hi], ...]}`` and gets what it missed, then ``resumed`` (or
``reset``: too much missed, load over REST again). ``seen`` and ``seen_ranges`` say which ids
the phone holds (``HeldIds``): the server re-sends a gap among them (a push lost in a killed
server worker) and nothing else below the cursor. Each process loads its lists over REST once
at its first connection (``on_resync``): they live in memory. Each ``case`` message carries the
case as it is now; the cursor is the largest event id received.

``LiveFeed`` runs on its own daemon thread; its callbacks run on that thread (a UI hops to its
own loop). States: ``connecting`` → ``live`` ⇄ ``polling``; ``refused`` when the server turns
the token away (HTTP 403 at the handshake): then only polling, whose own 401 tells the user.

``TaskBoard`` is the pure part: which verify/check tasks (核实/核查) are open, from polls and
pushes. The hello's groups include ``user.<id>``, so the board knows the user's id and keeps
only tasks assigned to them (the REST poll alone cannot tell).
"""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

from mobileapp.core.tasks import TASK_ACTION, Task

#: Newest event ids sent as ``resume.seen`` (what servers before ``seen_ranges`` read).
SEEN_KEPT = 200
#: Received ids are remembered this long, and at most this many: a little more than the
#: server's late-commit window (60 s), which is how far below the cursor a resume looks.
HELD_SECONDS = 70.0
HELD_MAX = 20_000
#: Most pairs in ``resume.seen_ranges`` (``server.realtime.schema.MAX_SEEN_RANGES``).
MAX_RANGES = 2000


def id_ranges(ids, limit: int = MAX_RANGES) -> list[list[int]]:
    """Sorted, disjoint ``[lo, hi]`` pairs covering exactly ``ids`` (consecutive ids make one
    pair); the newest ``limit`` pairs when there are more."""
    out: list[list[int]] = []
    for i in sorted(set(ids)):
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out[-limit:] if limit else []


class HeldIds:
    """The event ids a client received lately (``HELD_SECONDS``, at most ``HELD_MAX``), for its
    resume: what it names there the server does not send again, and a gap among them (a push
    lost in a killed worker) it does."""

    def __init__(self, keep_s: float = HELD_SECONDS, max_ids: int = HELD_MAX,
                 clock: Callable[[], float] = time.monotonic):
        self.keep_s, self.max_ids, self.clock = keep_s, max_ids, clock
        self._at: dict[int, float] = {}  # id -> when received, in arrival order

    def __contains__(self, event_id: int) -> bool:
        return event_id in self._at

    def __len__(self) -> int:
        return len(self._at)

    def add(self, event_id: int) -> None:
        now = self.clock()
        self._at.pop(event_id, None)
        self._at[event_id] = now
        while self._at and (len(self._at) > self.max_ids
                            or next(iter(self._at.values())) < now - self.keep_s):
            del self._at[next(iter(self._at))]

    def clear(self) -> None:
        self._at.clear()

    def newest(self, n: int) -> list[int]:
        """The ``n`` ids received last, oldest first."""
        return list(self._at)[-n:] if n else []

    def ranges(self, limit: int = MAX_RANGES) -> list[list[int]]:
        return id_ranges(self._at, limit)


class TaskBoard:
    """Open tasks by case number."""

    def __init__(self) -> None:
        self.tasks: dict[str, Task] = {}
        self.my_user_id: int | None = None

    def learn_user(self, groups: list[str]) -> None:
        for g in groups:
            if g.startswith("user.") and g[5:].isdigit():
                self.my_user_id = int(g[5:])

    def mine(self, case: dict) -> bool:
        if case.get("state") not in TASK_ACTION or case.get("assignee_id") is None:
            return False
        return self.my_user_id is None or case["assignee_id"] == self.my_user_id

    def replace(self, tasks: list[Task]) -> None:
        """A REST poll's answer: the whole list."""
        self.tasks = {t.number: t for t in tasks}

    def apply(self, case: dict) -> bool:
        """A pushed case (its state now); returns whether the open tasks changed."""
        number = case.get("number")
        if not number:
            return False
        if self.mine(case):
            task = Task.from_case(case)
            changed = self.tasks.get(number) != task
            self.tasks[number] = task
            return changed
        return self.tasks.pop(number, None) is not None

    def open(self, answered: set[str] = frozenset()) -> list[Task]:
        """Tasks not yet answered from this phone, oldest deadline first."""
        return sorted((t for n, t in self.tasks.items() if n not in answered),
                      key=lambda t: (t.deadline or "9999", t.number))


def ws_url(base_url: str) -> str:
    """http(s)://host[:port]/prefix -> ws(s)://host[:port]/prefix/ws/events/ (the token goes
    in a header, ``ws_headers``)."""
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    path = parts.path.rstrip("/") + "/ws/events/"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def ws_headers(base_url: str, token: str) -> dict[str, str]:
    """The handshake's headers: the token, and an Origin naming the server itself (the server
    checks Origin so that a browser page from elsewhere cannot ride a session cookie)."""
    parts = urlsplit(base_url)
    return {"Authorization": f"Token {token}", "Origin": f"{parts.scheme}://{parts.netloc}"}


class LiveFeed:
    """One websocket to the server, with reconnects and a polling fallback.

    ``on_case(case, message)`` for each case event; ``on_resync()`` when lists must be reloaded
    over REST (first connect, ``reset``) and, while the socket is down, every ``poll_every``
    seconds (the fallback; it may raise: the feed logs nothing and carries on);
    ``on_state(state)`` on each state change; ``on_hello(hello)`` with the server's greeting.
    """

    def __init__(self, base_url: str, token: str, *, on_case: Callable[[dict, dict], None],
                 on_resync: Callable[[], None], on_state: Callable[[str], None] | None = None,
                 on_hello: Callable[[dict], None] | None = None,
                 cursor_path: str | Path | None = None, poll_every: float = 60.0,
                 retry_base: float = 1.0, retry_max: float = 60.0, ping_every: float = 300.0,
                 open_timeout: float = 15.0):
        self.base_url, self.token = base_url, token
        self.on_case, self.on_resync = on_case, on_resync
        self.on_state, self.on_hello = on_state, on_hello
        self.cursor_path = Path(cursor_path) if cursor_path else None
        self.poll_every, self.retry_base, self.retry_max = poll_every, retry_base, retry_max
        self.ping_every, self.open_timeout = ping_every, open_timeout
        self.state = "stopped"
        self.cursor: int | None = self._load_cursor()
        self.held = HeldIds()
        self.received = 0
        self._stop = threading.Event()
        self._ws = None
        self._thread: threading.Thread | None = None
        self._last_poll = 0.0
        self._loaded = False

    # -- control ---------------------------------------------------------------------------

    def start(self) -> "LiveFeed":
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="live-feed", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        ws = self._ws
        if ws is not None:
            try:
                ws.close()
            except Exception:  # already dead: nothing to close
                pass
        if self._thread:
            self._thread.join(timeout)
        self._set_state("stopped")

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            if self.on_state:
                self.on_state(state)

    # -- cursor ----------------------------------------------------------------------------

    def _load_cursor(self) -> int | None:
        try:
            return int(self.cursor_path.read_text()) if self.cursor_path else None
        except (OSError, ValueError):
            return None

    def _save_cursor(self, cursor: int) -> None:
        self.cursor = cursor
        if self.cursor_path:
            tmp = self.cursor_path.with_name(self.cursor_path.name + ".tmp")
            tmp.write_text(str(cursor))
            tmp.replace(self.cursor_path)

    # -- the loop --------------------------------------------------------------------------

    def run(self) -> None:
        from websockets.exceptions import InvalidStatus

        failures = 0
        while not self._stop.is_set():
            self._set_state("connecting" if self.state != "polling" else "polling")
            try:
                self._session()
                failures = 0
            except InvalidStatus as exc:
                if exc.response.status_code in (401, 403):
                    self._set_state("refused")
                    self._poll_until(time.monotonic() + self.retry_max * 10)
                    continue
                failures += 1
            except Exception:  # OSError, timeouts, ConnectionClosed, bad JSON: the link is bad
                failures += 1
            if self._stop.is_set():
                break
            self._set_state("polling")
            delay = min(self.retry_max, self.retry_base * 2 ** max(0, failures - 1))
            self._poll_until(time.monotonic() + delay / 2 + random.random() * delay / 2)

    def _poll_until(self, until: float) -> None:
        """The fallback: poll now if due, then wait (polling when due) until ``until``."""
        while not self._stop.is_set():
            now = time.monotonic()
            if now - self._last_poll >= self.poll_every:
                self._last_poll = now
                try:
                    self.on_resync()
                except Exception:  # offline too: the next poll or the socket will do
                    pass
            left = min(until, self._last_poll + self.poll_every) - time.monotonic()
            if until <= time.monotonic():
                return
            self._stop.wait(max(0.05, left))

    def _session(self) -> None:
        from websockets.sync.client import connect

        with connect(ws_url(self.base_url), open_timeout=self.open_timeout,
                     additional_headers=ws_headers(self.base_url, self.token),
                     ping_interval=20, ping_timeout=20, close_timeout=2) as ws:
            self._ws = ws
            try:
                hello = json.loads(ws.recv(timeout=self.open_timeout))
                if hello.get("type") != "hello":
                    raise ValueError(f"expected hello, got {hello.get('type')!r}")
                if self.on_hello:
                    self.on_hello(hello)
                if self.cursor is None:
                    self._save_cursor(int(hello["last_event_id"]))
                    # Its lists (loaded now) hold that event: the lowest id a later resume
                    # names, so the server re-sends a push lost after it but nothing older.
                    self.held.add(self.cursor)
                else:
                    ws.send(json.dumps(self.resume_message()))
                if not self._loaded:
                    # Lists live in memory: a new process loads them once, even when it
                    # resumes a saved cursor (the replay only has what came after it).
                    self._resync()
                    self._loaded = True
                self._set_state("live")
                self._listen(ws)
            finally:
                self._ws = None

    def resume_message(self) -> dict:
        """The ``resume`` this phone sends after a drop: its cursor and what it holds."""
        return {"type": "resume", "after": self.cursor, "seen": self.held.newest(SEEN_KEPT),
                "seen_ranges": self.held.ranges()}

    def _resync(self) -> None:
        self._last_poll = time.monotonic()
        try:
            self.on_resync()
        except Exception:  # REST failed while the socket works: the next reset/poll retries
            pass

    def _listen(self, ws) -> None:
        last_ping = time.monotonic()
        while not self._stop.is_set():
            try:
                raw = ws.recv(timeout=1.0)
            except TimeoutError:
                # An app-level ping now and then: the server re-joins our groups on it after
                # an hour (its Redis layer forgets members after a day).
                if time.monotonic() - last_ping > self.ping_every:
                    ws.send(json.dumps({"type": "ping"}))
                    last_ping = time.monotonic()
                continue
            self.handle(json.loads(raw))

    def handle(self, msg: dict) -> None:
        """One server message (public for tests of the protocol's edge cases)."""
        msg_type = msg.get("type")
        if msg_type == "case":
            event_id = int(msg["event_id"])
            self.received += 1
            self.held.add(event_id)
            self.on_case(msg["case"], msg)
            if self.cursor is None or event_id > self.cursor:
                self._save_cursor(event_id)
        elif msg_type == "resumed":
            self._save_cursor(max(self.cursor or 0, int(msg["last_event_id"])))
        elif msg_type == "reset":
            self.held.clear()
            self._save_cursor(int(msg["last_event_id"]))
            self.held.add(self.cursor)  # the lists reloaded now hold it
            self._resync()
